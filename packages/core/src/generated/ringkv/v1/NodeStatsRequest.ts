// Original file: proto/ringkv/v1/node.proto


export interface NodeStatsRequest {
  /**
   * Skip counting keys and bytes (a scan of the node's data): keys, bytes, tombstones and
   * records are then 0; the lease is reported either way.
   */
  'withoutCounts'?: (boolean);
}

export interface NodeStatsRequest__Output {
  /**
   * Skip counting keys and bytes (a scan of the node's data): keys, bytes, tombstones and
   * records are then 0; the lease is reported either way.
   */
  'withoutCounts': (boolean);
}
