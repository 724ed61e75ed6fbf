// Original file: proto/ringkv/v1/node.proto

import type { ArcRange as _ringkv_v1_ArcRange, ArcRange__Output as _ringkv_v1_ArcRange__Output } from '../../ringkv/v1/ArcRange.js';
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
  /**
   * More arcs to the same target, streamed one after another on this call (start/end first).
   */
  'moreArcs'?: (_ringkv_v1_ArcRange)[];
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
  /**
   * More arcs to the same target, streamed one after another on this call (start/end first).
   */
  'moreArcs': (_ringkv_v1_ArcRange__Output)[];
}
