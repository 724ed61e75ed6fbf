// Original file: proto/ringkv/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface MigrateArcProgress {
  /**
   * Keys and bytes sent so far for the arc at arc_index (0 = start/end, 1.. = more_arcs).
   */
  'keys'?: (number | string | Long);
  'bytes'?: (number | string | Long);
  /**
   * This arc is fully ingested by the target.
   */
  'done'?: (boolean);
  'arcIndex'?: (number);
}

export interface MigrateArcProgress__Output {
  /**
   * Keys and bytes sent so far for the arc at arc_index (0 = start/end, 1.. = more_arcs).
   */
  'keys': (string);
  'bytes': (string);
  /**
   * This arc is fully ingested by the target.
   */
  'done': (boolean);
  'arcIndex': (number);
}
