// Original file: proto/ringkv/v1/admin.proto


export interface SetReplicationFactorRequest {
  'replicationFactor'?: (number);
  'dryRun'?: (boolean);
}

export interface SetReplicationFactorRequest__Output {
  'replicationFactor': (number);
  'dryRun': (boolean);
}
