// Original file: proto/ringkv/v1/common.proto

import type { Long } from '@grpc/proto-loader';

export interface Entry {
  'key'?: (Buffer | Uint8Array | string);
  'value'?: (Buffer | Uint8Array | string);
  'version'?: (number | string | Long);
  'expiresAtMs'?: (number | string | Long);
}

export interface Entry__Output {
  'key': (Buffer);
  'value': (Buffer);
  'version': (string);
  'expiresAtMs': (string);
}
