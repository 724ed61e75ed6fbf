// Original file: proto/ringkv/v1/admin.proto

import type { ShardStatus as _ringkv_v1_ShardStatus, ShardStatus__Output as _ringkv_v1_ShardStatus__Output } from '../../ringkv/v1/ShardStatus.js';
import type { ArcMove as _ringkv_v1_ArcMove, ArcMove__Output as _ringkv_v1_ArcMove__Output } from '../../ringkv/v1/ArcMove.js';
import type { ArcGroup as _ringkv_v1_ArcGroup, ArcGroup__Output as _ringkv_v1_ArcGroup__Output } from '../../ringkv/v1/ArcGroup.js';
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
  'replicationFactor'?: (number);
  'arcGroups'?: (_ringkv_v1_ArcGroup)[];
  /**
   * Arcs (and fraction of the hash space) with fewer in-sync replicas than replication_factor.
   */
  'underReplicatedArcs'?: (number);
  'underReplicatedFraction'?: (number | string);
  /**
   * Why the last failover or catch-up attempt of the coordinator failed, if it is retrying.
   */
  'replicationError'?: (string);
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
  'replicationFactor': (number);
  'arcGroups': (_ringkv_v1_ArcGroup__Output)[];
  /**
   * Arcs (and fraction of the hash space) with fewer in-sync replicas than replication_factor.
   */
  'underReplicatedArcs': (number);
  'underReplicatedFraction': (number);
  /**
   * Why the last failover or catch-up attempt of the coordinator failed, if it is retrying.
   */
  'replicationError': (string);
}
