// Original file: proto/ringkv/v1/node.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One arc (start, end] of the hash space changing owner.
 */
export interface ArcMove {
  'start'?: (number);
  'end'?: (number);
  'from'?: (string);
  'to'?: (string);
  /**
   * "pending" | "copying" | "handoff" | "done"
   */
  'state'?: (string);
  'keysMoved'?: (number | string | Long);
  'bytesMoved'?: (number | string | Long);
  /**
   * Estimates made when the plan was built (live keys and bytes on the source).
   */
  'estimatedKeys'?: (number | string | Long);
  'estimatedBytes'?: (number | string | Long);
}

/**
 * One arc (start, end] of the hash space changing owner.
 */
export interface ArcMove__Output {
  'start': (number);
  'end': (number);
  'from': (string);
  'to': (string);
  /**
   * "pending" | "copying" | "handoff" | "done"
   */
  'state': (string);
  'keysMoved': (string);
  'bytesMoved': (string);
  /**
   * Estimates made when the plan was built (live keys and bytes on the source).
   */
  'estimatedKeys': (string);
  'estimatedBytes': (string);
}
