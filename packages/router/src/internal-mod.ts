export * from './mod.js';
export { Topology } from './topology.js';
export { Forwarder } from './forwarder.js';
export { Scanner, encodeCursor, decodeCursor } from './scanner.js';
export { ShardClient } from './shard-client.js';
export { MapStore } from './map-store.js';
export { AccessControl, permissionOfOp, type Caller, type Permission } from './access.js';
export { executeAs } from './authorized-ops.js';
export { parseTokens, loadTokensFile, MIN_TOKEN_LENGTH, ROLES, type Role, type TokenEntry } from './tokens.js';
