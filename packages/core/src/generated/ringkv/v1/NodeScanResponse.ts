// Original file: proto/ringkv/v1/node.proto

import type { Entry as _ringkv_v1_Entry, Entry__Output as _ringkv_v1_Entry__Output } from '../../ringkv/v1/Entry.js';
import type { Long } from '@grpc/proto-loader';

export interface NodeScanResponse {
  'entries'?: (_ringkv_v1_Entry)[];
  /**
   * Position of the last record examined; the node has nothing it owns in (after, last_examined] beyond entries.
   */
  'lastExamined'?: (Buffer | Uint8Array | string);
  /**
   * True when the node has examined everything after `after`.
   */
  'done'?: (boolean);
  'epoch'?: (number | string | Long);
}

export interface NodeScanResponse__Output {
  'entries': (_ringkv_v1_Entry__Output)[];
  /**
   * Position of the last record examined; the node has nothing it owns in (after, last_examined] beyond entries.
   */
  'lastExamined': (Buffer);
  /**
   * True when the node has examined everything after `after`.
   */
  'done': (boolean);
  'epoch': (string);
}
