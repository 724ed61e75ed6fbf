// Original file: proto/ringkv/v1/admin.proto

import type { ShardStatus as _ringkv_v1_ShardStatus, ShardStatus__Output as _ringkv_v1_ShardStatus__Output } from '../../ringkv/v1/ShardStatus.js';
import type { ArcMove as _ringkv_v1_ArcMove, ArcMove__Output as _ringkv_v1_ArcMove__Output } from '../../ringkv/v1/ArcMove.js';
import type { Long } from '@grpc/proto-loader';

export interface StatusResponse {
  'clusterId'?: (string);
  'epoch'?: (number | string | Long);
  'shards'?: (_ringkv_v1_ShardStatus)[];
  'migrations'?: (_ringkv_v1_ArcMove)[];
  /**
   * Why the last migration attempt of the coordinator failed, if it is retrying.
   */
  'migrationError'?: (string);
}

export interface StatusResponse__Output {
  'clusterId': (string);
  'epoch': (string);
  'shards': (_ringkv_v1_ShardStatus__Output)[];
  'migrations': (_ringkv_v1_ArcMove__Output)[];
  /**
   * Why the last migration attempt of the coordinator failed, if it is retrying.
   */
  'migrationError': (string);
}
