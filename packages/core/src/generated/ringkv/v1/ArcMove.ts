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
  'state'?: (string);
  'keysMoved'?: (number | string | Long);
  'bytesMoved'?: (number | string | Long);
}

/**
 * One arc (start, end] of the hash space changing owner.
 */
export interface ArcMove__Output {
  'start': (number);
  'end': (number);
  'from': (string);
  'to': (string);
  'state': (string);
  'keysMoved': (string);
  'bytesMoved': (string);
}
