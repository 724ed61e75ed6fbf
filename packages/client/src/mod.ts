// Public API of @ringkv/client.
export { RingKvClient } from './client.js';
export { AdminApi } from './admin.js';
export { Lock } from './lock.js';
export { Queue } from './queue.js';
export type * from './types.js';
export type * from './coordination-types.js';
export { ERROR_CODES, ErrorCode, RingKvError, isRetryableError } from '@ringkv/core';
export type { ClusterMap, ClusterMember, ArcMoveState } from '@ringkv/core';
