// Original file: proto/ringkv/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface NodeScanRequest {
  'epoch'?: (number | string | Long);
  /**
   * Ring position (4-byte big-endian hash followed by the key) to start after; empty = ring start.
   */
  'after'?: (Buffer | Uint8Array | string);
  'prefix'?: (Buffer | Uint8Array | string);
  /**
   * Maximum entries returned.
   */
  'limit'?: (number);
  /**
   * Maximum records examined (bounds the work when a prefix matches little).
   */
  'maxExamined'?: (number);
}

export interface NodeScanRequest__Output {
  'epoch': (string);
  /**
   * Ring position (4-byte big-endian hash followed by the key) to start after; empty = ring start.
   */
  'after': (Buffer);
  'prefix': (Buffer);
  /**
   * Maximum entries returned.
   */
  'limit': (number);
  /**
   * Maximum records examined (bounds the work when a prefix matches little).
   */
  'maxExamined': (number);
}
