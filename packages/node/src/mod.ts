export { StorageNode, type StorageNodeOptions, type NodeStatus } from './storage-node.js';
export { StorageEngine, type StorageEngineOptions, type EngineStatus, type NodeStats } from './storage-engine.js';
