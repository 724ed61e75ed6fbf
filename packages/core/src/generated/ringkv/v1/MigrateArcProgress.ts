// Original file: proto/ringkv/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface MigrateArcProgress {
  'keys'?: (number | string | Long);
  'bytes'?: (number | string | Long);
  'done'?: (boolean);
}

export interface MigrateArcProgress__Output {
  'keys': (string);
  'bytes': (string);
  'done': (boolean);
}
