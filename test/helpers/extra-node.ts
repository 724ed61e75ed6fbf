// A storage node started outside a ProcessCluster (to be added with `shard add`): see node-process.ts.
export { ExtraNode, type ExtraNodeOptions } from './node-process.js';
