// Original file: proto/ringkv/v1/admin.proto


export interface AddShardRequest {
  'id'?: (string);
  'address'?: (string);
  /**
   * 0 = 1.
   */
  'weight'?: (number | string);
  'dryRun'?: (boolean);
}

export interface AddShardRequest__Output {
  'id': (string);
  'address': (string);
  /**
   * 0 = 1.
   */
  'weight': (number);
  'dryRun': (boolean);
}
