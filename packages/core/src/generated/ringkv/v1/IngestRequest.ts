// Original file: proto/ringkv/v1/node.proto

import type { RawRecord as _ringkv_v1_RawRecord, RawRecord__Output as _ringkv_v1_RawRecord__Output } from '../../ringkv/v1/RawRecord.js';
import type { Long } from '@grpc/proto-loader';

export interface IngestRequest {
  'epoch'?: (number | string | Long);
  'from'?: (string);
  'records'?: (_ringkv_v1_RawRecord)[];
  /**
   * Replication from the arcs' primary (`from` must be the primary at the receiver's epoch),
   * rather than a migration copy.
   */
  'replicate'?: (boolean);
}

export interface IngestRequest__Output {
  'epoch': (string);
  'from': (string);
  'records': (_ringkv_v1_RawRecord__Output)[];
  /**
   * Replication from the arcs' primary (`from` must be the primary at the receiver's epoch),
   * rather than a migration copy.
   */
  'replicate': (boolean);
}
