// Original file: proto/ringkv/v1/admin.proto


export interface RebalanceRequest {
  'dryRun'?: (boolean);
}

export interface RebalanceRequest__Output {
  'dryRun': (boolean);
}
