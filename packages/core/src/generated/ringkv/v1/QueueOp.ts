// Original file: proto/ringkv/v1/common.proto

import type { Long } from '@grpc/proto-loader';

// Original file: proto/ringkv/v1/common.proto

export const _ringkv_v1_QueueOp_Action = {
  PUSH: 'PUSH',
  POP: 'POP',
  ACK: 'ACK',
  NACK: 'NACK',
  STATS: 'STATS',
} as const;

export type _ringkv_v1_QueueOp_Action =
  | 'PUSH'
  | 0
  | 'POP'
  | 1
  | 'ACK'
  | 2
  | 'NACK'
  | 3
  | 'STATS'
  | 4

export type _ringkv_v1_QueueOp_Action__Output = typeof _ringkv_v1_QueueOp_Action[keyof typeof _ringkv_v1_QueueOp_Action]

/**
 * One operation on a queue. A queue lives on the owner of its name's hash: every message of
 * one queue is on one shard and moves with its arc.
 */
export interface QueueOp {
  'name'?: (string);
  'action'?: (_ringkv_v1_QueueOp_Action);
  /**
   * Operate on the queue's dead-letter queue instead of the queue itself.
   */
  'deadLetters'?: (boolean);
  /**
   * PUSH: the message body.
   */
  'body'?: (Buffer | Uint8Array | string);
  /**
   * POP: how long a popped message stays invisible before it is delivered again.
   */
  'visibilityTimeoutMs'?: (number | string | Long);
  /**
   * POP: how long to wait for a message when none is visible (0 = answer at once).
   */
  'waitMs'?: (number | string | Long);
  /**
   * POP: a message already delivered this many times goes to the dead-letter queue instead
   * of being delivered again (0 = never).
   */
  'maxDeliveries'?: (number);
  /**
   * ACK, NACK: the message id and the version of the delivery (from the receipt).
   */
  'id'?: (number | string | Long);
  'version'?: (number | string | Long);
  /**
   * NACK: delivered again after this long (0 = at once).
   */
  'delayMs'?: (number | string | Long);
}

/**
 * One operation on a queue. A queue lives on the owner of its name's hash: every message of
 * one queue is on one shard and moves with its arc.
 */
export interface QueueOp__Output {
  'name': (string);
  'action': (_ringkv_v1_QueueOp_Action__Output);
  /**
   * Operate on the queue's dead-letter queue instead of the queue itself.
   */
  'deadLetters': (boolean);
  /**
   * PUSH: the message body.
   */
  'body': (Buffer);
  /**
   * POP: how long a popped message stays invisible before it is delivered again.
   */
  'visibilityTimeoutMs': (string);
  /**
   * POP: how long to wait for a message when none is visible (0 = answer at once).
   */
  'waitMs': (string);
  /**
   * POP: a message already delivered this many times goes to the dead-letter queue instead
   * of being delivered again (0 = never).
   */
  'maxDeliveries': (number);
  /**
   * ACK, NACK: the message id and the version of the delivery (from the receipt).
   */
  'id': (string);
  'version': (string);
  /**
   * NACK: delivered again after this long (0 = at once).
   */
  'delayMs': (string);
}
