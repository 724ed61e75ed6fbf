// Original file: proto/ringkv/v1/kv.proto

import type { Entry as _ringkv_v1_Entry, Entry__Output as _ringkv_v1_Entry__Output } from '../../ringkv/v1/Entry.js';

export interface ScanResponse {
  'entries'?: (_ringkv_v1_Entry)[];
  /**
   * Cursor for the next page.
   */
  'cursor'?: (Buffer | Uint8Array | string);
  /**
   * True when the whole ring has been scanned.
   */
  'done'?: (boolean);
}

export interface ScanResponse__Output {
  'entries': (_ringkv_v1_Entry__Output)[];
  /**
   * Cursor for the next page.
   */
  'cursor': (Buffer);
  /**
   * True when the whole ring has been scanned.
   */
  'done': (boolean);
}
