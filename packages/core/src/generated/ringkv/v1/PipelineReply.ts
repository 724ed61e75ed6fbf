// Original file: proto/ringkv/v1/common.proto

import type { OpResult as _ringkv_v1_OpResult, OpResult__Output as _ringkv_v1_OpResult__Output } from '../../ringkv/v1/OpResult.js';
import type { Long } from '@grpc/proto-loader';

export interface PipelineReply {
  'id'?: (number);
  /**
   * One per op of the frame, in order (empty when the whole frame failed).
   */
  'results'?: (_ringkv_v1_OpResult)[];
  /**
   * Node -> router only: the node's epoch.
   */
  'epoch'?: (number | string | Long);
  /**
   * Set when the whole frame failed (for example too many operations).
   */
  'errorCode'?: (string);
  'errorMessage'?: (string);
}

export interface PipelineReply__Output {
  'id': (number);
  /**
   * One per op of the frame, in order (empty when the whole frame failed).
   */
  'results': (_ringkv_v1_OpResult__Output)[];
  /**
   * Node -> router only: the node's epoch.
   */
  'epoch': (string);
  /**
   * Set when the whole frame failed (for example too many operations).
   */
  'errorCode': (string);
  'errorMessage': (string);
}
