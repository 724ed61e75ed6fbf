// Original file: proto/ringkv/v1/common.proto

import type { Condition as _ringkv_v1_Condition, Condition__Output as _ringkv_v1_Condition__Output } from '../../ringkv/v1/Condition.js';
import type { Long } from '@grpc/proto-loader';

export interface PutOp {
  'key'?: (Buffer | Uint8Array | string);
  'value'?: (Buffer | Uint8Array | string);
  /**
   * 0 = no expiry.
   */
  'ttlMs'?: (number | string | Long);
  'condition'?: (_ringkv_v1_Condition | null);
}

export interface PutOp__Output {
  'key': (Buffer);
  'value': (Buffer);
  /**
   * 0 = no expiry.
   */
  'ttlMs': (string);
  'condition': (_ringkv_v1_Condition__Output | null);
}
