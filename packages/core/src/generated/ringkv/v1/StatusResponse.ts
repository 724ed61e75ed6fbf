// Original file: proto/ringkv/v1/admin.proto

import type { ShardStatus as _ringkv_v1_ShardStatus, ShardStatus__Output as _ringkv_v1_ShardStatus__Output } from '../../ringkv/v1/ShardStatus.js';
import type { ArcMove as _ringkv_v1_ArcMove, ArcMove__Output as _ringkv_v1_ArcMove__Output } from '../../ringkv/v1/ArcMove.js';
import type { ArcGroup as _ringkv_v1_ArcGroup, ArcGroup__Output as _ringkv_v1_ArcGroup__Output } from '../../ringkv/v1/ArcGroup.js';
import type { RouterInfo as _ringkv_v1_RouterInfo, RouterInfo__Output as _ringkv_v1_RouterInfo__Output } from '../../ringkv/v1/RouterInfo.js';
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
  /**
   * Where the cluster map lives: "file" (a lone router's data dir) or "etcd".
   */
  'controlPlane'?: (string);
  /**
   * The coordinator: its router id and address; empty while none is elected.
   */
  'coordinator'?: (string);
  'coordinatorAddress'?: (string);
  /**
   * Every live router (on etcd: each one's registration; alone: this router).
   */
  'routers'?: (_ringkv_v1_RouterInfo)[];
  /**
   * Why the control plane cannot act right now (etcd unreachable, no coordinator), if so.
   */
  'controlPlaneError'?: (string);
  /**
   * The router that answered this call.
   */
  'answeredBy'?: (string);
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
  /**
   * Where the cluster map lives: "file" (a lone router's data dir) or "etcd".
   */
  'controlPlane': (string);
  /**
   * The coordinator: its router id and address; empty while none is elected.
   */
  'coordinator': (string);
  'coordinatorAddress': (string);
  /**
   * Every live router (on etcd: each one's registration; alone: this router).
   */
  'routers': (_ringkv_v1_RouterInfo__Output)[];
  /**
   * Why the control plane cannot act right now (etcd unreachable, no coordinator), if so.
   */
  'controlPlaneError': (string);
  /**
   * The router that answered this call.
   */
  'answeredBy': (string);
}
