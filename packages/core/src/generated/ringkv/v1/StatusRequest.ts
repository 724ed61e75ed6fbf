// Original file: proto/ringkv/v1/admin.proto


export interface StatusRequest {
  /**
   * Skip counting keys and bytes on the shards (a scan of each shard's data): for frequent
   * polls such as progress watchers. Shards then report keys = bytes = 0.
   */
  'withoutCounts'?: (boolean);
}

export interface StatusRequest__Output {
  /**
   * Skip counting keys and bytes on the shards (a scan of each shard's data): for frequent
   * polls such as progress watchers. Shards then report keys = bytes = 0.
   */
  'withoutCounts': (boolean);
}
