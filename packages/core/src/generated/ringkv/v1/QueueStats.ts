// Original file: proto/ringkv/v1/common.proto

import type { Long } from '@grpc/proto-loader';

export interface QueueStats {
  /**
   * Messages that a pop would deliver now.
   */
  'ready'?: (number | string | Long);
  /**
   * Messages delivered and not acknowledged, or nacked with a delay: invisible for now.
   */
  'inFlight'?: (number | string | Long);
  /**
   * Messages in the dead-letter queue.
   */
  'deadLetters'?: (number | string | Long);
  /**
   * Age of the oldest message of the queue (0 when empty).
   */
  'oldestAgeMs'?: (number | string | Long);
}

export interface QueueStats__Output {
  /**
   * Messages that a pop would deliver now.
   */
  'ready': (string);
  /**
   * Messages delivered and not acknowledged, or nacked with a delay: invisible for now.
   */
  'inFlight': (string);
  /**
   * Messages in the dead-letter queue.
   */
  'deadLetters': (string);
  /**
   * Age of the oldest message of the queue (0 when empty).
   */
  'oldestAgeMs': (string);
}
