// Original file: proto/ringkv/v1/node.proto

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
}
