// Original file: proto/ringkv/v1/node.proto

import type { ArcRange as _ringkv_v1_ArcRange, ArcRange__Output as _ringkv_v1_ArcRange__Output } from '../../ringkv/v1/ArcRange.js';

export interface EstimateArcsRequest {
  'arcs'?: (_ringkv_v1_ArcRange)[];
}

export interface EstimateArcsRequest__Output {
  'arcs': (_ringkv_v1_ArcRange__Output)[];
}
