export * from './mod.js';
export { Topology } from './topology.js';
export { Forwarder } from './forwarder.js';
export { Scanner, encodeCursor, decodeCursor } from './scanner.js';
export { ShardClient } from './shard-client.js';
export { MapStore } from './map-store.js';
