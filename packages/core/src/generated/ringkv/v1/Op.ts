// Original file: proto/ringkv/v1/common.proto

import type { GetOp as _ringkv_v1_GetOp, GetOp__Output as _ringkv_v1_GetOp__Output } from '../../ringkv/v1/GetOp.js';
import type { PutOp as _ringkv_v1_PutOp, PutOp__Output as _ringkv_v1_PutOp__Output } from '../../ringkv/v1/PutOp.js';
import type { DeleteOp as _ringkv_v1_DeleteOp, DeleteOp__Output as _ringkv_v1_DeleteOp__Output } from '../../ringkv/v1/DeleteOp.js';
import type { LockOp as _ringkv_v1_LockOp, LockOp__Output as _ringkv_v1_LockOp__Output } from '../../ringkv/v1/LockOp.js';
import type { QueueOp as _ringkv_v1_QueueOp, QueueOp__Output as _ringkv_v1_QueueOp__Output } from '../../ringkv/v1/QueueOp.js';

/**
 * One single-key operation. Batches are lists of these; each succeeds or fails on its own.
 */
export interface Op {
  'get'?: (_ringkv_v1_GetOp | null);
  'put'?: (_ringkv_v1_PutOp | null);
  'delete'?: (_ringkv_v1_DeleteOp | null);
  'lock'?: (_ringkv_v1_LockOp | null);
  'queue'?: (_ringkv_v1_QueueOp | null);
  'op'?: "get"|"put"|"delete"|"lock"|"queue";
}

/**
 * One single-key operation. Batches are lists of these; each succeeds or fails on its own.
 */
export interface Op__Output {
  'get'?: (_ringkv_v1_GetOp__Output | null);
  'put'?: (_ringkv_v1_PutOp__Output | null);
  'delete'?: (_ringkv_v1_DeleteOp__Output | null);
  'lock'?: (_ringkv_v1_LockOp__Output | null);
  'queue'?: (_ringkv_v1_QueueOp__Output | null);
  'op'?: "get"|"put"|"delete"|"lock"|"queue";
}
