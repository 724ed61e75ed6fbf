// Original file: proto/ringkv/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface CatchUpRequest {
  'epoch'?: (number | string | Long);
  'targetId'?: (string);
  /**
   * Byte-rate limit of the snapshot stream; 0 = unlimited.
   */
  'rateBytesPerSec'?: (number | string | Long);
}

export interface CatchUpRequest__Output {
  'epoch': (string);
  'targetId': (string);
  /**
   * Byte-rate limit of the snapshot stream; 0 = unlimited.
   */
  'rateBytesPerSec': (string);
}
