// Original file: proto/ringkv/v1/common.proto

import type { Condition as _ringkv_v1_Condition, Condition__Output as _ringkv_v1_Condition__Output } from '../../ringkv/v1/Condition.js';

export interface DeleteOp {
  'key'?: (Buffer | Uint8Array | string);
  'condition'?: (_ringkv_v1_Condition | null);
}

export interface DeleteOp__Output {
  'key': (Buffer);
  'condition': (_ringkv_v1_Condition__Output | null);
}
