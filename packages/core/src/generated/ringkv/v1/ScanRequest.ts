// Original file: proto/ringkv/v1/kv.proto


export interface ScanRequest {
  /**
   * Opaque cursor from the previous page; empty = start of the ring.
   */
  'cursor'?: (Buffer | Uint8Array | string);
  /**
   * Only keys starting with these bytes.
   */
  'prefix'?: (Buffer | Uint8Array | string);
  /**
   * Maximum entries in this page (the router caps it).
   */
  'limit'?: (number);
}

export interface ScanRequest__Output {
  /**
   * Opaque cursor from the previous page; empty = start of the ring.
   */
  'cursor': (Buffer);
  /**
   * Only keys starting with these bytes.
   */
  'prefix': (Buffer);
  /**
   * Maximum entries in this page (the router caps it).
   */
  'limit': (number);
}
