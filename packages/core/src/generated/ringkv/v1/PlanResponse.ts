// Original file: proto/ringkv/v1/admin.proto

import type { ArcMove as _ringkv_v1_ArcMove, ArcMove__Output as _ringkv_v1_ArcMove__Output } from '../../ringkv/v1/ArcMove.js';
import type { Long } from '@grpc/proto-loader';

export interface PlanResponse {
  /**
   * The epoch that committed the plan (the current epoch for a dry run).
   */
  'epoch'?: (number | string | Long);
  'arcs'?: (_ringkv_v1_ArcMove)[];
  'estimatedKeys'?: (number | string | Long);
  'estimatedBytes'?: (number | string | Long);
  'committed'?: (boolean);
  /**
   * Fraction of the hash space that moves.
   */
  'fraction'?: (number | string);
}

export interface PlanResponse__Output {
  /**
   * The epoch that committed the plan (the current epoch for a dry run).
   */
  'epoch': (string);
  'arcs': (_ringkv_v1_ArcMove__Output)[];
  'estimatedKeys': (string);
  'estimatedBytes': (string);
  'committed': (boolean);
  /**
   * Fraction of the hash space that moves.
   */
  'fraction': (number);
}
