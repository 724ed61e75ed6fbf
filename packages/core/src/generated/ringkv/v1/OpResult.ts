// Original file: proto/ringkv/v1/common.proto

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
}
