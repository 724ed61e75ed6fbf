// Original file: proto/ringkv/v1/node.proto

import type { Member as _ringkv_v1_Member, Member__Output as _ringkv_v1_Member__Output } from '../../ringkv/v1/Member.js';
import type { ArcMove as _ringkv_v1_ArcMove, ArcMove__Output as _ringkv_v1_ArcMove__Output } from '../../ringkv/v1/ArcMove.js';
import type { ReplicaState as _ringkv_v1_ReplicaState, ReplicaState__Output as _ringkv_v1_ReplicaState__Output } from '../../ringkv/v1/ReplicaState.js';
import type { Long } from '@grpc/proto-loader';

export interface ClusterMap {
  'clusterId'?: (string);
  'epoch'?: (number | string | Long);
  'members'?: (_ringkv_v1_Member)[];
  'vnodesPerWeight'?: (number);
  'replicationFactor'?: (number);
  'migrations'?: (_ringkv_v1_ArcMove)[];
  /**
   * The membership after the migrations in progress complete; empty when none is in progress.
   * While migrating, an arc's serving owner is its `to` once the arc is done, else its owner
   * on the ring of `members`.
   */
  'nextMembers'?: (_ringkv_v1_Member)[];
  /**
   * Shards outside the in-sync sets. An arc's replicas are the first replication_factor
   * distinct shards clockwise (its preference list); its in-sync set is that list minus these
   * shards, and its primary is the first in-sync replica.
   */
  'replicaStates'?: (_ringkv_v1_ReplicaState)[];
  /**
   * The replication factor once the migrations in progress complete; 0 = unchanged.
   */
  'nextReplicationFactor'?: (number);
}

export interface ClusterMap__Output {
  'clusterId': (string);
  'epoch': (string);
  'members': (_ringkv_v1_Member__Output)[];
  'vnodesPerWeight': (number);
  'replicationFactor': (number);
  'migrations': (_ringkv_v1_ArcMove__Output)[];
  /**
   * The membership after the migrations in progress complete; empty when none is in progress.
   * While migrating, an arc's serving owner is its `to` once the arc is done, else its owner
   * on the ring of `members`.
   */
  'nextMembers': (_ringkv_v1_Member__Output)[];
  /**
   * Shards outside the in-sync sets. An arc's replicas are the first replication_factor
   * distinct shards clockwise (its preference list); its in-sync set is that list minus these
   * shards, and its primary is the first in-sync replica.
   */
  'replicaStates': (_ringkv_v1_ReplicaState__Output)[];
  /**
   * The replication factor once the migrations in progress complete; 0 = unchanged.
   */
  'nextReplicationFactor': (number);
}
