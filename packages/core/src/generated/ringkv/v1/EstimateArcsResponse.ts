// Original file: proto/ringkv/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface EstimateArcsResponse {
  'keys'?: (number | string | Long)[];
  'bytes'?: (number | string | Long)[];
}

export interface EstimateArcsResponse__Output {
  'keys': (string)[];
  'bytes': (string)[];
}
