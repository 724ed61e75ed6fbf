// Original file: proto/ringkv/v1/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AddShardRequest as _ringkv_v1_AddShardRequest, AddShardRequest__Output as _ringkv_v1_AddShardRequest__Output } from '../../ringkv/v1/AddShardRequest.js';
import type { ClusterMapReply as _ringkv_v1_ClusterMapReply, ClusterMapReply__Output as _ringkv_v1_ClusterMapReply__Output } from '../../ringkv/v1/ClusterMapReply.js';
import type { GetClusterMapRequest as _ringkv_v1_GetClusterMapRequest, GetClusterMapRequest__Output as _ringkv_v1_GetClusterMapRequest__Output } from '../../ringkv/v1/GetClusterMapRequest.js';
import type { PlanResponse as _ringkv_v1_PlanResponse, PlanResponse__Output as _ringkv_v1_PlanResponse__Output } from '../../ringkv/v1/PlanResponse.js';
import type { RebalanceRequest as _ringkv_v1_RebalanceRequest, RebalanceRequest__Output as _ringkv_v1_RebalanceRequest__Output } from '../../ringkv/v1/RebalanceRequest.js';
import type { RemoveShardRequest as _ringkv_v1_RemoveShardRequest, RemoveShardRequest__Output as _ringkv_v1_RemoveShardRequest__Output } from '../../ringkv/v1/RemoveShardRequest.js';
import type { SetReplicationFactorRequest as _ringkv_v1_SetReplicationFactorRequest, SetReplicationFactorRequest__Output as _ringkv_v1_SetReplicationFactorRequest__Output } from '../../ringkv/v1/SetReplicationFactorRequest.js';
import type { SetWeightRequest as _ringkv_v1_SetWeightRequest, SetWeightRequest__Output as _ringkv_v1_SetWeightRequest__Output } from '../../ringkv/v1/SetWeightRequest.js';
import type { StatusRequest as _ringkv_v1_StatusRequest, StatusRequest__Output as _ringkv_v1_StatusRequest__Output } from '../../ringkv/v1/StatusRequest.js';
import type { StatusResponse as _ringkv_v1_StatusResponse, StatusResponse__Output as _ringkv_v1_StatusResponse__Output } from '../../ringkv/v1/StatusResponse.js';

/**
 * Cluster administration, served by every router.
 */
export interface AdminClient extends grpc.Client {
  /**
   * Membership changes: each computes the plan (the arcs whose owner changes) and, unless
   * dry_run, commits it and starts moving those arcs. One change at a time
   * (MIGRATION_IN_PROGRESS otherwise).
   */
  AddShard(argument: _ringkv_v1_AddShardRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  AddShard(argument: _ringkv_v1_AddShardRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  AddShard(argument: _ringkv_v1_AddShardRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  AddShard(argument: _ringkv_v1_AddShardRequest, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Membership changes: each computes the plan (the arcs whose owner changes) and, unless
   * dry_run, commits it and starts moving those arcs. One change at a time
   * (MIGRATION_IN_PROGRESS otherwise).
   */
  addShard(argument: _ringkv_v1_AddShardRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  addShard(argument: _ringkv_v1_AddShardRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  addShard(argument: _ringkv_v1_AddShardRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  addShard(argument: _ringkv_v1_AddShardRequest, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Moves whatever is not where the ring of the current members puts it (normally nothing).
   */
  Rebalance(argument: _ringkv_v1_RebalanceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  Rebalance(argument: _ringkv_v1_RebalanceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  Rebalance(argument: _ringkv_v1_RebalanceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  Rebalance(argument: _ringkv_v1_RebalanceRequest, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Moves whatever is not where the ring of the current members puts it (normally nothing).
   */
  rebalance(argument: _ringkv_v1_RebalanceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  rebalance(argument: _ringkv_v1_RebalanceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  rebalance(argument: _ringkv_v1_RebalanceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  rebalance(argument: _ringkv_v1_RebalanceRequest, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  
  RemoveShard(argument: _ringkv_v1_RemoveShardRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  RemoveShard(argument: _ringkv_v1_RemoveShardRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  RemoveShard(argument: _ringkv_v1_RemoveShardRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  RemoveShard(argument: _ringkv_v1_RemoveShardRequest, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  removeShard(argument: _ringkv_v1_RemoveShardRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  removeShard(argument: _ringkv_v1_RemoveShardRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  removeShard(argument: _ringkv_v1_RemoveShardRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  removeShard(argument: _ringkv_v1_RemoveShardRequest, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Changes the replication factor (1 to 5): copies arcs to their new replicas (or drops the
   * extra ones) like a membership change.
   */
  SetReplicationFactor(argument: _ringkv_v1_SetReplicationFactorRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  SetReplicationFactor(argument: _ringkv_v1_SetReplicationFactorRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  SetReplicationFactor(argument: _ringkv_v1_SetReplicationFactorRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  SetReplicationFactor(argument: _ringkv_v1_SetReplicationFactorRequest, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Changes the replication factor (1 to 5): copies arcs to their new replicas (or drops the
   * extra ones) like a membership change.
   */
  setReplicationFactor(argument: _ringkv_v1_SetReplicationFactorRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  setReplicationFactor(argument: _ringkv_v1_SetReplicationFactorRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  setReplicationFactor(argument: _ringkv_v1_SetReplicationFactorRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  setReplicationFactor(argument: _ringkv_v1_SetReplicationFactorRequest, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  
  SetWeight(argument: _ringkv_v1_SetWeightRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  SetWeight(argument: _ringkv_v1_SetWeightRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  SetWeight(argument: _ringkv_v1_SetWeightRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  SetWeight(argument: _ringkv_v1_SetWeightRequest, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  setWeight(argument: _ringkv_v1_SetWeightRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  setWeight(argument: _ringkv_v1_SetWeightRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  setWeight(argument: _ringkv_v1_SetWeightRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  setWeight(argument: _ringkv_v1_SetWeightRequest, callback: grpc.requestCallback<_ringkv_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  
  Status(argument: _ringkv_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _ringkv_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _ringkv_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _ringkv_v1_StatusRequest, callback: grpc.requestCallback<_ringkv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _ringkv_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _ringkv_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _ringkv_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _ringkv_v1_StatusRequest, callback: grpc.requestCallback<_ringkv_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * Cluster administration, served by every router.
 */
export interface AdminHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Membership changes: each computes the plan (the arcs whose owner changes) and, unless
   * dry_run, commits it and starts moving those arcs. One change at a time
   * (MIGRATION_IN_PROGRESS otherwise).
   */
  AddShard: grpc.handleUnaryCall<_ringkv_v1_AddShardRequest__Output, _ringkv_v1_PlanResponse>;
  
  GetClusterMap: grpc.handleUnaryCall<_ringkv_v1_GetClusterMapRequest__Output, _ringkv_v1_ClusterMapReply>;
  
  /**
   * Moves whatever is not where the ring of the current members puts it (normally nothing).
   */
  Rebalance: grpc.handleUnaryCall<_ringkv_v1_RebalanceRequest__Output, _ringkv_v1_PlanResponse>;
  
  RemoveShard: grpc.handleUnaryCall<_ringkv_v1_RemoveShardRequest__Output, _ringkv_v1_PlanResponse>;
  
  /**
   * Changes the replication factor (1 to 5): copies arcs to their new replicas (or drops the
   * extra ones) like a membership change.
   */
  SetReplicationFactor: grpc.handleUnaryCall<_ringkv_v1_SetReplicationFactorRequest__Output, _ringkv_v1_PlanResponse>;
  
  SetWeight: grpc.handleUnaryCall<_ringkv_v1_SetWeightRequest__Output, _ringkv_v1_PlanResponse>;
  
  Status: grpc.handleUnaryCall<_ringkv_v1_StatusRequest__Output, _ringkv_v1_StatusResponse>;
  
}

export interface AdminDefinition extends grpc.ServiceDefinition {
  AddShard: MethodDefinition<_ringkv_v1_AddShardRequest, _ringkv_v1_PlanResponse, _ringkv_v1_AddShardRequest__Output, _ringkv_v1_PlanResponse__Output>
  GetClusterMap: MethodDefinition<_ringkv_v1_GetClusterMapRequest, _ringkv_v1_ClusterMapReply, _ringkv_v1_GetClusterMapRequest__Output, _ringkv_v1_ClusterMapReply__Output>
  Rebalance: MethodDefinition<_ringkv_v1_RebalanceRequest, _ringkv_v1_PlanResponse, _ringkv_v1_RebalanceRequest__Output, _ringkv_v1_PlanResponse__Output>
  RemoveShard: MethodDefinition<_ringkv_v1_RemoveShardRequest, _ringkv_v1_PlanResponse, _ringkv_v1_RemoveShardRequest__Output, _ringkv_v1_PlanResponse__Output>
  SetReplicationFactor: MethodDefinition<_ringkv_v1_SetReplicationFactorRequest, _ringkv_v1_PlanResponse, _ringkv_v1_SetReplicationFactorRequest__Output, _ringkv_v1_PlanResponse__Output>
  SetWeight: MethodDefinition<_ringkv_v1_SetWeightRequest, _ringkv_v1_PlanResponse, _ringkv_v1_SetWeightRequest__Output, _ringkv_v1_PlanResponse__Output>
  Status: MethodDefinition<_ringkv_v1_StatusRequest, _ringkv_v1_StatusResponse, _ringkv_v1_StatusRequest__Output, _ringkv_v1_StatusResponse__Output>
}
