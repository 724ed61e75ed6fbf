// Original file: proto/ringkv/v1/common.proto

import type { Long } from '@grpc/proto-loader';

// Original file: proto/ringkv/v1/common.proto

export const _ringkv_v1_LockOp_Action = {
  /**
   * Takes the lock if it is free (never held, released or its lease expired).
   */
  ACQUIRE: 'ACQUIRE',
  /**
   * Extends the lease of the holder of `token`.
   */
  RENEW: 'RENEW',
  /**
   * Frees the lock held with `token`.
   */
  RELEASE: 'RELEASE',
  /**
   * Reads the lock's state (holder, token, remaining lease).
   */
  STATUS: 'STATUS',
} as const;

export type _ringkv_v1_LockOp_Action =
  /**
   * Takes the lock if it is free (never held, released or its lease expired).
   */
  | 'ACQUIRE'
  | 0
  /**
   * Extends the lease of the holder of `token`.
   */
  | 'RENEW'
  | 1
  /**
   * Frees the lock held with `token`.
   */
  | 'RELEASE'
  | 2
  /**
   * Reads the lock's state (holder, token, remaining lease).
   */
  | 'STATUS'
  | 3

export type _ringkv_v1_LockOp_Action__Output = typeof _ringkv_v1_LockOp_Action[keyof typeof _ringkv_v1_LockOp_Action]

/**
 * A lease lock with fencing tokens. Runs atomically on the owner of the lock's key (a reserved
 * key derived from the name, see README "Locks").
 */
export interface LockOp {
  'name'?: (string);
  'action'?: (_ringkv_v1_LockOp_Action);
  /**
   * ACQUIRE: who asks (shown by STATUS).
   */
  'owner'?: (string);
  /**
   * ACQUIRE, RENEW: the lease length.
   */
  'ttlMs'?: (number | string | Long);
  /**
   * RENEW, RELEASE: the fencing token the lock was acquired with.
   */
  'token'?: (number | string | Long);
}

/**
 * A lease lock with fencing tokens. Runs atomically on the owner of the lock's key (a reserved
 * key derived from the name, see README "Locks").
 */
export interface LockOp__Output {
  'name': (string);
  'action': (_ringkv_v1_LockOp_Action__Output);
  /**
   * ACQUIRE: who asks (shown by STATUS).
   */
  'owner': (string);
  /**
   * ACQUIRE, RENEW: the lease length.
   */
  'ttlMs': (string);
  /**
   * RENEW, RELEASE: the fencing token the lock was acquired with.
   */
  'token': (string);
}
