// Original file: proto/ringkv/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface IngestResponse {
  'applied'?: (number | string | Long);
  'skipped'?: (number | string | Long);
}

export interface IngestResponse__Output {
  'applied': (string);
  'skipped': (string);
}
