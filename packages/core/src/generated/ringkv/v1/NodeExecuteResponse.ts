// Original file: proto/ringkv/v1/node.proto

import type { OpResult as _ringkv_v1_OpResult, OpResult__Output as _ringkv_v1_OpResult__Output } from '../../ringkv/v1/OpResult.js';
import type { Long } from '@grpc/proto-loader';

export interface NodeExecuteResponse {
  'results'?: (_ringkv_v1_OpResult)[];
  'epoch'?: (number | string | Long);
}

export interface NodeExecuteResponse__Output {
  'results': (_ringkv_v1_OpResult__Output)[];
  'epoch': (string);
}
