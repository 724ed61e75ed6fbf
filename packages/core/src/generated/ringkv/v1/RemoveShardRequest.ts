// Original file: proto/ringkv/v1/admin.proto


export interface RemoveShardRequest {
  'id'?: (string);
  'dryRun'?: (boolean);
  /**
   * The shard will never return: take its arcs from their other in-sync replicas (it is
   * dropped from the in-sync sets first) instead of from it.
   */
  'force'?: (boolean);
}

export interface RemoveShardRequest__Output {
  'id': (string);
  'dryRun': (boolean);
  /**
   * The shard will never return: take its arcs from their other in-sync replicas (it is
   * dropped from the in-sync sets first) instead of from it.
   */
  'force': (boolean);
}
