// Original file: proto/ringkv/v1/common.proto

import type { Op as _ringkv_v1_Op, Op__Output as _ringkv_v1_Op__Output } from '../../ringkv/v1/Op.js';
import type { Long } from '@grpc/proto-loader';

/**
 * One batch on a long-lived Pipeline stream. Frames are answered by id, possibly out of
 * order; operations on one key keep their order across the frames of one stream.
 */
export interface PipelineFrame {
  'id'?: (number);
  'ops'?: (_ringkv_v1_Op)[];
  /**
   * Router -> node only: the sender's cluster-map epoch.
   */
  'epoch'?: (number | string | Long);
  /**
   * Request ids, for logs. Client -> router: at most one, naming the whole frame (the router
   * makes one up when it is absent). Router -> node: the distinct ids of the client requests
   * whose operations the frame carries (at most 64).
   */
  'requestIds'?: (string)[];
}

/**
 * One batch on a long-lived Pipeline stream. Frames are answered by id, possibly out of
 * order; operations on one key keep their order across the frames of one stream.
 */
export interface PipelineFrame__Output {
  'id': (number);
  'ops': (_ringkv_v1_Op__Output)[];
  /**
   * Router -> node only: the sender's cluster-map epoch.
   */
  'epoch': (string);
  /**
   * Request ids, for logs. Client -> router: at most one, naming the whole frame (the router
   * makes one up when it is absent). Router -> node: the distinct ids of the client requests
   * whose operations the frame carries (at most 64).
   */
  'requestIds': (string)[];
}
