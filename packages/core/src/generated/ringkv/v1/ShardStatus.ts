// Original file: proto/ringkv/v1/admin.proto

import type { PrimaryLease as _ringkv_v1_PrimaryLease, PrimaryLease__Output as _ringkv_v1_PrimaryLease__Output } from '../../ringkv/v1/PrimaryLease.js';
import type { Long } from '@grpc/proto-loader';

export interface ShardStatus {
  'id'?: (string);
  'address'?: (string);
  'weight'?: (number | string);
  'state'?: (string);
  'keys'?: (number | string | Long);
  'bytes'?: (number | string | Long);
  'reachable'?: (boolean);
  'error'?: (string);
  /**
   * "in_sync", "out_of_sync" or "catching_up" (see ReplicaState).
   */
  'replicaState'?: (string);
  /**
   * The shard's primary lease, as it reports it (absent when it could not be asked).
   */
  'lease'?: (_ringkv_v1_PrimaryLease | null);
}

export interface ShardStatus__Output {
  'id': (string);
  'address': (string);
  'weight': (number);
  'state': (string);
  'keys': (string);
  'bytes': (string);
  'reachable': (boolean);
  'error': (string);
  /**
   * "in_sync", "out_of_sync" or "catching_up" (see ReplicaState).
   */
  'replicaState': (string);
  /**
   * The shard's primary lease, as it reports it (absent when it could not be asked).
   */
  'lease': (_ringkv_v1_PrimaryLease__Output | null);
}
