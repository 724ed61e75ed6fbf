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
  /**
   * Shards that receive a copy of the arc (the new replicas not already holding it). With
   * replication factor 1 this is [to]. `from` is the arc's in-sync primary that streams the
   * copies; `to` is the arc's primary once it is done.
   */
  'targets'?: (string)[];
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
  /**
   * Shards that receive a copy of the arc (the new replicas not already holding it). With
   * replication factor 1 this is [to]. `from` is the arc's in-sync primary that streams the
   * copies; `to` is the arc's primary once it is done.
   */
  'targets': (string)[];
}
