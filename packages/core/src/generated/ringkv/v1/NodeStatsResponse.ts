// Original file: proto/ringkv/v1/node.proto

import type { PrimaryLease as _ringkv_v1_PrimaryLease, PrimaryLease__Output as _ringkv_v1_PrimaryLease__Output } from '../../ringkv/v1/PrimaryLease.js';
import type { Long } from '@grpc/proto-loader';

export interface NodeStatsResponse {
  'nodeId'?: (string);
  'epoch'?: (number | string | Long);
  /**
   * Live keys: not deleted, not expired.
   */
  'keys'?: (number | string | Long);
  /**
   * Bytes of live keys and values.
   */
  'bytes'?: (number | string | Long);
  'tombstones'?: (number | string | Long);
  /**
   * All records, including ones this node holds but does not own.
   */
  'records'?: (number | string | Long);
  'lease'?: (_ringkv_v1_PrimaryLease | null);
}

export interface NodeStatsResponse__Output {
  'nodeId': (string);
  'epoch': (string);
  /**
   * Live keys: not deleted, not expired.
   */
  'keys': (string);
  /**
   * Bytes of live keys and values.
   */
  'bytes': (string);
  'tombstones': (string);
  /**
   * All records, including ones this node holds but does not own.
   */
  'records': (string);
  'lease': (_ringkv_v1_PrimaryLease__Output | null);
}
