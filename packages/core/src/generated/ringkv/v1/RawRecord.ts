// Original file: proto/ringkv/v1/node.proto


/**
 * One stored record: the user key and its encoded record (version | flags | [expiry] | value).
 */
export interface RawRecord {
  'key'?: (Buffer | Uint8Array | string);
  'record'?: (Buffer | Uint8Array | string);
}

/**
 * One stored record: the user key and its encoded record (version | flags | [expiry] | value).
 */
export interface RawRecord__Output {
  'key': (Buffer);
  'record': (Buffer);
}
