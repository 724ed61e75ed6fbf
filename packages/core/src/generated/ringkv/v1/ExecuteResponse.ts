// Original file: proto/ringkv/v1/kv.proto

import type { OpResult as _ringkv_v1_OpResult, OpResult__Output as _ringkv_v1_OpResult__Output } from '../../ringkv/v1/OpResult.js';

export interface ExecuteResponse {
  'results'?: (_ringkv_v1_OpResult)[];
}

export interface ExecuteResponse__Output {
  'results': (_ringkv_v1_OpResult__Output)[];
}
