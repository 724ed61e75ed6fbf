// Original file: proto/ringkv/v1/common.proto

import type { QueueStats as _ringkv_v1_QueueStats, QueueStats__Output as _ringkv_v1_QueueStats__Output } from '../../ringkv/v1/QueueStats.js';
import type { Long } from '@grpc/proto-loader';

export interface OpResult {
  /**
   * Empty on success, otherwise a stable ringkv error code (see README "Errors").
   */
  'errorCode'?: (string);
  'errorMessage'?: (string);
  /**
   * get: the key exists; delete: the key existed before the delete.
   */
  'found'?: (boolean);
  /**
   * get: the value.
   */
  'value'?: (Buffer | Uint8Array | string);
  /**
   * get: the stored version; put/delete: the version written.
   */
  'version'?: (number | string | Long);
  /**
   * get: absolute expiry in ms since the epoch, 0 = none.
   */
  'expiresAtMs'?: (number | string | Long);
  /**
   * WRONG_OWNER: the answering node's cluster-map epoch.
   */
  'epoch'?: (number | string | Long);
  /**
   * lock: milliseconds left on the lease (acquire, renew, status; also with LOCK_HELD).
   */
  'remainingMs'?: (number | string | Long);
  /**
   * queue push/pop: the message id.
   */
  'id'?: (number | string | Long);
  /**
   * queue pop: how many times the message has been delivered, this delivery included.
   */
  'deliveries'?: (number);
  /**
   * queue stats.
   */
  'queueStats'?: (_ringkv_v1_QueueStats | null);
  /**
   * lock status and LOCK_HELD: the holder's owner string.
   */
  'owner'?: (string);
}

export interface OpResult__Output {
  /**
   * Empty on success, otherwise a stable ringkv error code (see README "Errors").
   */
  'errorCode': (string);
  'errorMessage': (string);
  /**
   * get: the key exists; delete: the key existed before the delete.
   */
  'found': (boolean);
  /**
   * get: the value.
   */
  'value': (Buffer);
  /**
   * get: the stored version; put/delete: the version written.
   */
  'version': (string);
  /**
   * get: absolute expiry in ms since the epoch, 0 = none.
   */
  'expiresAtMs': (string);
  /**
   * WRONG_OWNER: the answering node's cluster-map epoch.
   */
  'epoch': (string);
  /**
   * lock: milliseconds left on the lease (acquire, renew, status; also with LOCK_HELD).
   */
  'remainingMs': (string);
  /**
   * queue push/pop: the message id.
   */
  'id': (string);
  /**
   * queue pop: how many times the message has been delivered, this delivery included.
   */
  'deliveries': (number);
  /**
   * queue stats.
   */
  'queueStats': (_ringkv_v1_QueueStats__Output | null);
  /**
   * lock status and LOCK_HELD: the holder's owner string.
   */
  'owner': (string);
}
