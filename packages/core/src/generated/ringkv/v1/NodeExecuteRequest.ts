// Original file: proto/ringkv/v1/node.proto

import type { Op as _ringkv_v1_Op, Op__Output as _ringkv_v1_Op__Output } from '../../ringkv/v1/Op.js';
import type { Long } from '@grpc/proto-loader';

export interface NodeExecuteRequest {
  /**
   * The sender's cluster-map epoch.
   */
  'epoch'?: (number | string | Long);
  'ops'?: (_ringkv_v1_Op)[];
}

export interface NodeExecuteRequest__Output {
  /**
   * The sender's cluster-map epoch.
   */
  'epoch': (string);
  'ops': (_ringkv_v1_Op__Output)[];
}
