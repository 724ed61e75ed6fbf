// Original file: proto/ringkv/v1/common.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A write condition, checked atomically with the write on the key's owner.
 */
export interface Condition {
  /**
   * The key must currently hold exactly this version.
   */
  'ifVersion'?: (number | string | Long);
  /**
   * The key must not currently exist (absent, deleted or expired).
   */
  'ifAbsent'?: (boolean);
  'kind'?: "ifVersion"|"ifAbsent";
}

/**
 * A write condition, checked atomically with the write on the key's owner.
 */
export interface Condition__Output {
  /**
   * The key must currently hold exactly this version.
   */
  'ifVersion'?: (string);
  /**
   * The key must not currently exist (absent, deleted or expired).
   */
  'ifAbsent'?: (boolean);
  'kind'?: "ifVersion"|"ifAbsent";
}
