import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ArcMove as _ringkv_v1_ArcMove, ArcMove__Output as _ringkv_v1_ArcMove__Output } from './ringkv/v1/ArcMove.js';
import type { ArcRange as _ringkv_v1_ArcRange, ArcRange__Output as _ringkv_v1_ArcRange__Output } from './ringkv/v1/ArcRange.js';
import type { CatchUpRequest as _ringkv_v1_CatchUpRequest, CatchUpRequest__Output as _ringkv_v1_CatchUpRequest__Output } from './ringkv/v1/CatchUpRequest.js';
import type { ClusterMap as _ringkv_v1_ClusterMap, ClusterMap__Output as _ringkv_v1_ClusterMap__Output } from './ringkv/v1/ClusterMap.js';
import type { ClusterMapReply as _ringkv_v1_ClusterMapReply, ClusterMapReply__Output as _ringkv_v1_ClusterMapReply__Output } from './ringkv/v1/ClusterMapReply.js';
import type { Condition as _ringkv_v1_Condition, Condition__Output as _ringkv_v1_Condition__Output } from './ringkv/v1/Condition.js';
import type { DeleteOp as _ringkv_v1_DeleteOp, DeleteOp__Output as _ringkv_v1_DeleteOp__Output } from './ringkv/v1/DeleteOp.js';
import type { Entry as _ringkv_v1_Entry, Entry__Output as _ringkv_v1_Entry__Output } from './ringkv/v1/Entry.js';
import type { EstimateArcsRequest as _ringkv_v1_EstimateArcsRequest, EstimateArcsRequest__Output as _ringkv_v1_EstimateArcsRequest__Output } from './ringkv/v1/EstimateArcsRequest.js';
import type { EstimateArcsResponse as _ringkv_v1_EstimateArcsResponse, EstimateArcsResponse__Output as _ringkv_v1_EstimateArcsResponse__Output } from './ringkv/v1/EstimateArcsResponse.js';
import type { FinishHandoffRequest as _ringkv_v1_FinishHandoffRequest, FinishHandoffRequest__Output as _ringkv_v1_FinishHandoffRequest__Output } from './ringkv/v1/FinishHandoffRequest.js';
import type { FinishHandoffResponse as _ringkv_v1_FinishHandoffResponse, FinishHandoffResponse__Output as _ringkv_v1_FinishHandoffResponse__Output } from './ringkv/v1/FinishHandoffResponse.js';
import type { GetClusterMapRequest as _ringkv_v1_GetClusterMapRequest, GetClusterMapRequest__Output as _ringkv_v1_GetClusterMapRequest__Output } from './ringkv/v1/GetClusterMapRequest.js';
import type { GetOp as _ringkv_v1_GetOp, GetOp__Output as _ringkv_v1_GetOp__Output } from './ringkv/v1/GetOp.js';
import type { IngestRequest as _ringkv_v1_IngestRequest, IngestRequest__Output as _ringkv_v1_IngestRequest__Output } from './ringkv/v1/IngestRequest.js';
import type { IngestResponse as _ringkv_v1_IngestResponse, IngestResponse__Output as _ringkv_v1_IngestResponse__Output } from './ringkv/v1/IngestResponse.js';
import type { LockOp as _ringkv_v1_LockOp, LockOp__Output as _ringkv_v1_LockOp__Output } from './ringkv/v1/LockOp.js';
import type { Member as _ringkv_v1_Member, Member__Output as _ringkv_v1_Member__Output } from './ringkv/v1/Member.js';
import type { MigrateArcProgress as _ringkv_v1_MigrateArcProgress, MigrateArcProgress__Output as _ringkv_v1_MigrateArcProgress__Output } from './ringkv/v1/MigrateArcProgress.js';
import type { MigrateArcRequest as _ringkv_v1_MigrateArcRequest, MigrateArcRequest__Output as _ringkv_v1_MigrateArcRequest__Output } from './ringkv/v1/MigrateArcRequest.js';
import type { NodeClient as _ringkv_v1_NodeClient, NodeDefinition as _ringkv_v1_NodeDefinition } from './ringkv/v1/Node.js';
import type { NodeExecuteRequest as _ringkv_v1_NodeExecuteRequest, NodeExecuteRequest__Output as _ringkv_v1_NodeExecuteRequest__Output } from './ringkv/v1/NodeExecuteRequest.js';
import type { NodeExecuteResponse as _ringkv_v1_NodeExecuteResponse, NodeExecuteResponse__Output as _ringkv_v1_NodeExecuteResponse__Output } from './ringkv/v1/NodeExecuteResponse.js';
import type { NodeScanRequest as _ringkv_v1_NodeScanRequest, NodeScanRequest__Output as _ringkv_v1_NodeScanRequest__Output } from './ringkv/v1/NodeScanRequest.js';
import type { NodeScanResponse as _ringkv_v1_NodeScanResponse, NodeScanResponse__Output as _ringkv_v1_NodeScanResponse__Output } from './ringkv/v1/NodeScanResponse.js';
import type { NodeStatsRequest as _ringkv_v1_NodeStatsRequest, NodeStatsRequest__Output as _ringkv_v1_NodeStatsRequest__Output } from './ringkv/v1/NodeStatsRequest.js';
import type { NodeStatsResponse as _ringkv_v1_NodeStatsResponse, NodeStatsResponse__Output as _ringkv_v1_NodeStatsResponse__Output } from './ringkv/v1/NodeStatsResponse.js';
import type { Op as _ringkv_v1_Op, Op__Output as _ringkv_v1_Op__Output } from './ringkv/v1/Op.js';
import type { OpResult as _ringkv_v1_OpResult, OpResult__Output as _ringkv_v1_OpResult__Output } from './ringkv/v1/OpResult.js';
import type { PipelineFrame as _ringkv_v1_PipelineFrame, PipelineFrame__Output as _ringkv_v1_PipelineFrame__Output } from './ringkv/v1/PipelineFrame.js';
import type { PipelineReply as _ringkv_v1_PipelineReply, PipelineReply__Output as _ringkv_v1_PipelineReply__Output } from './ringkv/v1/PipelineReply.js';
import type { PrimaryLease as _ringkv_v1_PrimaryLease, PrimaryLease__Output as _ringkv_v1_PrimaryLease__Output } from './ringkv/v1/PrimaryLease.js';
import type { PutOp as _ringkv_v1_PutOp, PutOp__Output as _ringkv_v1_PutOp__Output } from './ringkv/v1/PutOp.js';
import type { QueueOp as _ringkv_v1_QueueOp, QueueOp__Output as _ringkv_v1_QueueOp__Output } from './ringkv/v1/QueueOp.js';
import type { QueueStats as _ringkv_v1_QueueStats, QueueStats__Output as _ringkv_v1_QueueStats__Output } from './ringkv/v1/QueueStats.js';
import type { RawRecord as _ringkv_v1_RawRecord, RawRecord__Output as _ringkv_v1_RawRecord__Output } from './ringkv/v1/RawRecord.js';
import type { ReplicaState as _ringkv_v1_ReplicaState, ReplicaState__Output as _ringkv_v1_ReplicaState__Output } from './ringkv/v1/ReplicaState.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  ringkv: {
    v1: {
      ArcMove: MessageTypeDefinition<_ringkv_v1_ArcMove, _ringkv_v1_ArcMove__Output>
      ArcRange: MessageTypeDefinition<_ringkv_v1_ArcRange, _ringkv_v1_ArcRange__Output>
      CatchUpRequest: MessageTypeDefinition<_ringkv_v1_CatchUpRequest, _ringkv_v1_CatchUpRequest__Output>
      ClusterMap: MessageTypeDefinition<_ringkv_v1_ClusterMap, _ringkv_v1_ClusterMap__Output>
      ClusterMapReply: MessageTypeDefinition<_ringkv_v1_ClusterMapReply, _ringkv_v1_ClusterMapReply__Output>
      Condition: MessageTypeDefinition<_ringkv_v1_Condition, _ringkv_v1_Condition__Output>
      DeleteOp: MessageTypeDefinition<_ringkv_v1_DeleteOp, _ringkv_v1_DeleteOp__Output>
      Entry: MessageTypeDefinition<_ringkv_v1_Entry, _ringkv_v1_Entry__Output>
      EstimateArcsRequest: MessageTypeDefinition<_ringkv_v1_EstimateArcsRequest, _ringkv_v1_EstimateArcsRequest__Output>
      EstimateArcsResponse: MessageTypeDefinition<_ringkv_v1_EstimateArcsResponse, _ringkv_v1_EstimateArcsResponse__Output>
      FinishHandoffRequest: MessageTypeDefinition<_ringkv_v1_FinishHandoffRequest, _ringkv_v1_FinishHandoffRequest__Output>
      FinishHandoffResponse: MessageTypeDefinition<_ringkv_v1_FinishHandoffResponse, _ringkv_v1_FinishHandoffResponse__Output>
      GetClusterMapRequest: MessageTypeDefinition<_ringkv_v1_GetClusterMapRequest, _ringkv_v1_GetClusterMapRequest__Output>
      GetOp: MessageTypeDefinition<_ringkv_v1_GetOp, _ringkv_v1_GetOp__Output>
      IngestRequest: MessageTypeDefinition<_ringkv_v1_IngestRequest, _ringkv_v1_IngestRequest__Output>
      IngestResponse: MessageTypeDefinition<_ringkv_v1_IngestResponse, _ringkv_v1_IngestResponse__Output>
      LockOp: MessageTypeDefinition<_ringkv_v1_LockOp, _ringkv_v1_LockOp__Output>
      Member: MessageTypeDefinition<_ringkv_v1_Member, _ringkv_v1_Member__Output>
      MigrateArcProgress: MessageTypeDefinition<_ringkv_v1_MigrateArcProgress, _ringkv_v1_MigrateArcProgress__Output>
      MigrateArcRequest: MessageTypeDefinition<_ringkv_v1_MigrateArcRequest, _ringkv_v1_MigrateArcRequest__Output>
      /**
       * Served by every storage node to routers (and, for migration, to other nodes).
       */
      Node: SubtypeConstructor<typeof grpc.Client, _ringkv_v1_NodeClient> & { service: _ringkv_v1_NodeDefinition }
      NodeExecuteRequest: MessageTypeDefinition<_ringkv_v1_NodeExecuteRequest, _ringkv_v1_NodeExecuteRequest__Output>
      NodeExecuteResponse: MessageTypeDefinition<_ringkv_v1_NodeExecuteResponse, _ringkv_v1_NodeExecuteResponse__Output>
      NodeScanRequest: MessageTypeDefinition<_ringkv_v1_NodeScanRequest, _ringkv_v1_NodeScanRequest__Output>
      NodeScanResponse: MessageTypeDefinition<_ringkv_v1_NodeScanResponse, _ringkv_v1_NodeScanResponse__Output>
      NodeStatsRequest: MessageTypeDefinition<_ringkv_v1_NodeStatsRequest, _ringkv_v1_NodeStatsRequest__Output>
      NodeStatsResponse: MessageTypeDefinition<_ringkv_v1_NodeStatsResponse, _ringkv_v1_NodeStatsResponse__Output>
      Op: MessageTypeDefinition<_ringkv_v1_Op, _ringkv_v1_Op__Output>
      OpResult: MessageTypeDefinition<_ringkv_v1_OpResult, _ringkv_v1_OpResult__Output>
      PipelineFrame: MessageTypeDefinition<_ringkv_v1_PipelineFrame, _ringkv_v1_PipelineFrame__Output>
      PipelineReply: MessageTypeDefinition<_ringkv_v1_PipelineReply, _ringkv_v1_PipelineReply__Output>
      PrimaryLease: MessageTypeDefinition<_ringkv_v1_PrimaryLease, _ringkv_v1_PrimaryLease__Output>
      PutOp: MessageTypeDefinition<_ringkv_v1_PutOp, _ringkv_v1_PutOp__Output>
      QueueOp: MessageTypeDefinition<_ringkv_v1_QueueOp, _ringkv_v1_QueueOp__Output>
      QueueStats: MessageTypeDefinition<_ringkv_v1_QueueStats, _ringkv_v1_QueueStats__Output>
      RawRecord: MessageTypeDefinition<_ringkv_v1_RawRecord, _ringkv_v1_RawRecord__Output>
      ReplicaState: MessageTypeDefinition<_ringkv_v1_ReplicaState, _ringkv_v1_ReplicaState__Output>
    }
  }
}

