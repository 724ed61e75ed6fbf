// Original file: proto/ringkv/v1/admin.proto


export interface RemoveShardRequest {
  'id'?: (string);
  'dryRun'?: (boolean);
}

export interface RemoveShardRequest__Output {
  'id': (string);
  'dryRun': (boolean);
}
