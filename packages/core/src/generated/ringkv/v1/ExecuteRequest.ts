// Original file: proto/ringkv/v1/kv.proto

import type { Op as _ringkv_v1_Op, Op__Output as _ringkv_v1_Op__Output } from '../../ringkv/v1/Op.js';

export interface ExecuteRequest {
  'ops'?: (_ringkv_v1_Op)[];
}

export interface ExecuteRequest__Output {
  'ops': (_ringkv_v1_Op__Output)[];
}
