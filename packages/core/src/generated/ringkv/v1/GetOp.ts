// Original file: proto/ringkv/v1/common.proto


export interface GetOp {
  'key'?: (Buffer | Uint8Array | string);
}

export interface GetOp__Output {
  'key': (Buffer);
}
