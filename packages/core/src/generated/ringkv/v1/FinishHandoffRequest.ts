// Original file: proto/ringkv/v1/node.proto

import type { ArcRange as _ringkv_v1_ArcRange, ArcRange__Output as _ringkv_v1_ArcRange__Output } from '../../ringkv/v1/ArcRange.js';
import type { Long } from '@grpc/proto-loader';

export interface FinishHandoffRequest {
  'epoch'?: (number | string | Long);
  'arcs'?: (_ringkv_v1_ArcRange)[];
}

export interface FinishHandoffRequest__Output {
  'epoch': (string);
  'arcs': (_ringkv_v1_ArcRange__Output)[];
}
