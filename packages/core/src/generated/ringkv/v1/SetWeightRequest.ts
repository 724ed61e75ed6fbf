// Original file: proto/ringkv/v1/admin.proto


export interface SetWeightRequest {
  'id'?: (string);
  'weight'?: (number | string);
  'dryRun'?: (boolean);
}

export interface SetWeightRequest__Output {
  'id': (string);
  'weight': (number);
  'dryRun': (boolean);
}
