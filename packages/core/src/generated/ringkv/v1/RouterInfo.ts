// Original file: proto/ringkv/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A router of the cluster, as Status shows it.
 */
export interface RouterInfo {
  'id'?: (string);
  /**
   * Where its KV and Admin APIs answer (its advertised address).
   */
  'address'?: (string);
  /**
   * The epoch of the cluster map it routes with, as it last reported it.
   */
  'epoch'?: (number | string | Long);
  /**
   * It is the coordinator (the elected leader; a lone router always is).
   */
  'coordinator'?: (boolean);
  'version'?: (string);
  /**
   * Milliseconds since it last reported (0 for the router that answers).
   */
  'reportedMsAgo'?: (number | string | Long);
}

/**
 * A router of the cluster, as Status shows it.
 */
export interface RouterInfo__Output {
  'id': (string);
  /**
   * Where its KV and Admin APIs answer (its advertised address).
   */
  'address': (string);
  /**
   * The epoch of the cluster map it routes with, as it last reported it.
   */
  'epoch': (string);
  /**
   * It is the coordinator (the elected leader; a lone router always is).
   */
  'coordinator': (boolean);
  'version': (string);
  /**
   * Milliseconds since it last reported (0 for the router that answers).
   */
  'reportedMsAgo': (string);
}
