// Original file: proto/ringkv/v1/common.proto

import type { GetOp as _ringkv_v1_GetOp, GetOp__Output as _ringkv_v1_GetOp__Output } from '../../ringkv/v1/GetOp.js';
import type { PutOp as _ringkv_v1_PutOp, PutOp__Output as _ringkv_v1_PutOp__Output } from '../../ringkv/v1/PutOp.js';
import type { DeleteOp as _ringkv_v1_DeleteOp, DeleteOp__Output as _ringkv_v1_DeleteOp__Output } from '../../ringkv/v1/DeleteOp.js';

/**
 * One single-key operation. Batches are lists of these; each succeeds or fails on its own.
 */
export interface Op {
  'get'?: (_ringkv_v1_GetOp | null);
  'put'?: (_ringkv_v1_PutOp | null);
  'delete'?: (_ringkv_v1_DeleteOp | null);
  'op'?: "get"|"put"|"delete";
}

/**
 * One single-key operation. Batches are lists of these; each succeeds or fails on its own.
 */
export interface Op__Output {
  'get'?: (_ringkv_v1_GetOp__Output | null);
  'put'?: (_ringkv_v1_PutOp__Output | null);
  'delete'?: (_ringkv_v1_DeleteOp__Output | null);
  'op'?: "get"|"put"|"delete";
}
