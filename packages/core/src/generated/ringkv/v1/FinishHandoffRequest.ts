// Original file: proto/ringkv/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface FinishHandoffRequest {
  'epoch'?: (number | string | Long);
  'start'?: (number);
  'end'?: (number);
}

export interface FinishHandoffRequest__Output {
  'epoch': (string);
  'start': (number);
  'end': (number);
}
