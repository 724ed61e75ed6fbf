// Original file: proto/ringkv/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface MigrateArcRequest {
  'epoch'?: (number | string | Long);
  'start'?: (number);
  'end'?: (number);
  'targetId'?: (string);
  'targetAddress'?: (string);
  /**
   * Byte-rate limit of the snapshot stream; 0 = unlimited.
   */
  'rateBytesPerSec'?: (number | string | Long);
}

export interface MigrateArcRequest__Output {
  'epoch': (string);
  'start': (number);
  'end': (number);
  'targetId': (string);
  'targetAddress': (string);
  /**
   * Byte-rate limit of the snapshot stream; 0 = unlimited.
   */
  'rateBytesPerSec': (string);
}
