// Original file: proto/ringkv/v1/node.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CatchUpRequest as _ringkv_v1_CatchUpRequest, CatchUpRequest__Output as _ringkv_v1_CatchUpRequest__Output } from '../../ringkv/v1/CatchUpRequest.js';
import type { ClusterMap as _ringkv_v1_ClusterMap, ClusterMap__Output as _ringkv_v1_ClusterMap__Output } from '../../ringkv/v1/ClusterMap.js';
import type { ClusterMapReply as _ringkv_v1_ClusterMapReply, ClusterMapReply__Output as _ringkv_v1_ClusterMapReply__Output } from '../../ringkv/v1/ClusterMapReply.js';
import type { EstimateArcsRequest as _ringkv_v1_EstimateArcsRequest, EstimateArcsRequest__Output as _ringkv_v1_EstimateArcsRequest__Output } from '../../ringkv/v1/EstimateArcsRequest.js';
import type { EstimateArcsResponse as _ringkv_v1_EstimateArcsResponse, EstimateArcsResponse__Output as _ringkv_v1_EstimateArcsResponse__Output } from '../../ringkv/v1/EstimateArcsResponse.js';
import type { FinishHandoffRequest as _ringkv_v1_FinishHandoffRequest, FinishHandoffRequest__Output as _ringkv_v1_FinishHandoffRequest__Output } from '../../ringkv/v1/FinishHandoffRequest.js';
import type { FinishHandoffResponse as _ringkv_v1_FinishHandoffResponse, FinishHandoffResponse__Output as _ringkv_v1_FinishHandoffResponse__Output } from '../../ringkv/v1/FinishHandoffResponse.js';
import type { GetClusterMapRequest as _ringkv_v1_GetClusterMapRequest, GetClusterMapRequest__Output as _ringkv_v1_GetClusterMapRequest__Output } from '../../ringkv/v1/GetClusterMapRequest.js';
import type { IngestRequest as _ringkv_v1_IngestRequest, IngestRequest__Output as _ringkv_v1_IngestRequest__Output } from '../../ringkv/v1/IngestRequest.js';
import type { IngestResponse as _ringkv_v1_IngestResponse, IngestResponse__Output as _ringkv_v1_IngestResponse__Output } from '../../ringkv/v1/IngestResponse.js';
import type { MigrateArcProgress as _ringkv_v1_MigrateArcProgress, MigrateArcProgress__Output as _ringkv_v1_MigrateArcProgress__Output } from '../../ringkv/v1/MigrateArcProgress.js';
import type { MigrateArcRequest as _ringkv_v1_MigrateArcRequest, MigrateArcRequest__Output as _ringkv_v1_MigrateArcRequest__Output } from '../../ringkv/v1/MigrateArcRequest.js';
import type { NodeExecuteRequest as _ringkv_v1_NodeExecuteRequest, NodeExecuteRequest__Output as _ringkv_v1_NodeExecuteRequest__Output } from '../../ringkv/v1/NodeExecuteRequest.js';
import type { NodeExecuteResponse as _ringkv_v1_NodeExecuteResponse, NodeExecuteResponse__Output as _ringkv_v1_NodeExecuteResponse__Output } from '../../ringkv/v1/NodeExecuteResponse.js';
import type { NodeScanRequest as _ringkv_v1_NodeScanRequest, NodeScanRequest__Output as _ringkv_v1_NodeScanRequest__Output } from '../../ringkv/v1/NodeScanRequest.js';
import type { NodeScanResponse as _ringkv_v1_NodeScanResponse, NodeScanResponse__Output as _ringkv_v1_NodeScanResponse__Output } from '../../ringkv/v1/NodeScanResponse.js';
import type { NodeStatsRequest as _ringkv_v1_NodeStatsRequest, NodeStatsRequest__Output as _ringkv_v1_NodeStatsRequest__Output } from '../../ringkv/v1/NodeStatsRequest.js';
import type { NodeStatsResponse as _ringkv_v1_NodeStatsResponse, NodeStatsResponse__Output as _ringkv_v1_NodeStatsResponse__Output } from '../../ringkv/v1/NodeStatsResponse.js';
import type { PipelineFrame as _ringkv_v1_PipelineFrame, PipelineFrame__Output as _ringkv_v1_PipelineFrame__Output } from '../../ringkv/v1/PipelineFrame.js';
import type { PipelineReply as _ringkv_v1_PipelineReply, PipelineReply__Output as _ringkv_v1_PipelineReply__Output } from '../../ringkv/v1/PipelineReply.js';

/**
 * Served by every storage node to routers (and, for migration, to other nodes).
 */
export interface NodeClient extends grpc.Client {
  /**
   * Replication, primary side: streams a snapshot of every arc this node leads and that
   * target_id replicates to target_id, which must be catching up at request.epoch (it clears
   * those arcs when it starts catching up; the primary forwards new writes meanwhile).
   */
  CatchUp(argument: _ringkv_v1_CatchUpRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ringkv_v1_MigrateArcProgress__Output>;
  CatchUp(argument: _ringkv_v1_CatchUpRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ringkv_v1_MigrateArcProgress__Output>;
  /**
   * Replication, primary side: streams a snapshot of every arc this node leads and that
   * target_id replicates to target_id, which must be catching up at request.epoch (it clears
   * those arcs when it starts catching up; the primary forwards new writes meanwhile).
   */
  catchUp(argument: _ringkv_v1_CatchUpRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ringkv_v1_MigrateArcProgress__Output>;
  catchUp(argument: _ringkv_v1_CatchUpRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ringkv_v1_MigrateArcProgress__Output>;
  
  /**
   * Counts the live keys and bytes this node holds in each arc (for plans).
   */
  EstimateArcs(argument: _ringkv_v1_EstimateArcsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_EstimateArcsResponse__Output>): grpc.ClientUnaryCall;
  EstimateArcs(argument: _ringkv_v1_EstimateArcsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_EstimateArcsResponse__Output>): grpc.ClientUnaryCall;
  EstimateArcs(argument: _ringkv_v1_EstimateArcsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_EstimateArcsResponse__Output>): grpc.ClientUnaryCall;
  EstimateArcs(argument: _ringkv_v1_EstimateArcsRequest, callback: grpc.requestCallback<_ringkv_v1_EstimateArcsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Counts the live keys and bytes this node holds in each arc (for plans).
   */
  estimateArcs(argument: _ringkv_v1_EstimateArcsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_EstimateArcsResponse__Output>): grpc.ClientUnaryCall;
  estimateArcs(argument: _ringkv_v1_EstimateArcsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_EstimateArcsResponse__Output>): grpc.ClientUnaryCall;
  estimateArcs(argument: _ringkv_v1_EstimateArcsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_EstimateArcsResponse__Output>): grpc.ClientUnaryCall;
  estimateArcs(argument: _ringkv_v1_EstimateArcsRequest, callback: grpc.requestCallback<_ringkv_v1_EstimateArcsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Runs a batch of operations for keys this node owns at request.epoch.
   */
  Execute(argument: _ringkv_v1_NodeExecuteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_NodeExecuteResponse__Output>): grpc.ClientUnaryCall;
  Execute(argument: _ringkv_v1_NodeExecuteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_NodeExecuteResponse__Output>): grpc.ClientUnaryCall;
  Execute(argument: _ringkv_v1_NodeExecuteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_NodeExecuteResponse__Output>): grpc.ClientUnaryCall;
  Execute(argument: _ringkv_v1_NodeExecuteRequest, callback: grpc.requestCallback<_ringkv_v1_NodeExecuteResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Runs a batch of operations for keys this node owns at request.epoch.
   */
  execute(argument: _ringkv_v1_NodeExecuteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_NodeExecuteResponse__Output>): grpc.ClientUnaryCall;
  execute(argument: _ringkv_v1_NodeExecuteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_NodeExecuteResponse__Output>): grpc.ClientUnaryCall;
  execute(argument: _ringkv_v1_NodeExecuteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_NodeExecuteResponse__Output>): grpc.ClientUnaryCall;
  execute(argument: _ringkv_v1_NodeExecuteRequest, callback: grpc.requestCallback<_ringkv_v1_NodeExecuteResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Migration, source side, once the arc is in hand-off (the node refuses it with TRY_AGAIN):
   * reports whether any forwarded write failed since the last completed snapshot.
   */
  FinishHandoff(argument: _ringkv_v1_FinishHandoffRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_FinishHandoffResponse__Output>): grpc.ClientUnaryCall;
  FinishHandoff(argument: _ringkv_v1_FinishHandoffRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_FinishHandoffResponse__Output>): grpc.ClientUnaryCall;
  FinishHandoff(argument: _ringkv_v1_FinishHandoffRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_FinishHandoffResponse__Output>): grpc.ClientUnaryCall;
  FinishHandoff(argument: _ringkv_v1_FinishHandoffRequest, callback: grpc.requestCallback<_ringkv_v1_FinishHandoffResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Migration, source side, once the arc is in hand-off (the node refuses it with TRY_AGAIN):
   * reports whether any forwarded write failed since the last completed snapshot.
   */
  finishHandoff(argument: _ringkv_v1_FinishHandoffRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_FinishHandoffResponse__Output>): grpc.ClientUnaryCall;
  finishHandoff(argument: _ringkv_v1_FinishHandoffRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_FinishHandoffResponse__Output>): grpc.ClientUnaryCall;
  finishHandoff(argument: _ringkv_v1_FinishHandoffRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_FinishHandoffResponse__Output>): grpc.ClientUnaryCall;
  finishHandoff(argument: _ringkv_v1_FinishHandoffRequest, callback: grpc.requestCallback<_ringkv_v1_FinishHandoffResponse__Output>): grpc.ClientUnaryCall;
  
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Migration, target side: last-writer-wins ingest of records (snapshot or forwarded writes).
   */
  Ingest(argument: _ringkv_v1_IngestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_IngestResponse__Output>): grpc.ClientUnaryCall;
  Ingest(argument: _ringkv_v1_IngestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_IngestResponse__Output>): grpc.ClientUnaryCall;
  Ingest(argument: _ringkv_v1_IngestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_IngestResponse__Output>): grpc.ClientUnaryCall;
  Ingest(argument: _ringkv_v1_IngestRequest, callback: grpc.requestCallback<_ringkv_v1_IngestResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Migration, target side: last-writer-wins ingest of records (snapshot or forwarded writes).
   */
  ingest(argument: _ringkv_v1_IngestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_IngestResponse__Output>): grpc.ClientUnaryCall;
  ingest(argument: _ringkv_v1_IngestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_IngestResponse__Output>): grpc.ClientUnaryCall;
  ingest(argument: _ringkv_v1_IngestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_IngestResponse__Output>): grpc.ClientUnaryCall;
  ingest(argument: _ringkv_v1_IngestRequest, callback: grpc.requestCallback<_ringkv_v1_IngestResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Migration, source side: streams snapshots of arcs to their new owner (which must already
   * hold a map naming the moves), reporting progress; ends when every arc is ingested.
   */
  MigrateArc(argument: _ringkv_v1_MigrateArcRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ringkv_v1_MigrateArcProgress__Output>;
  MigrateArc(argument: _ringkv_v1_MigrateArcRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ringkv_v1_MigrateArcProgress__Output>;
  /**
   * Migration, source side: streams snapshots of arcs to their new owner (which must already
   * hold a map naming the moves), reporting progress; ends when every arc is ingested.
   */
  migrateArc(argument: _ringkv_v1_MigrateArcRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ringkv_v1_MigrateArcProgress__Output>;
  migrateArc(argument: _ringkv_v1_MigrateArcRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ringkv_v1_MigrateArcProgress__Output>;
  
  /**
   * The same over one long-lived stream per router (frames carry the router's epoch).
   */
  Pipeline(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_ringkv_v1_PipelineFrame, _ringkv_v1_PipelineReply__Output>;
  Pipeline(options?: grpc.CallOptions): grpc.ClientDuplexStream<_ringkv_v1_PipelineFrame, _ringkv_v1_PipelineReply__Output>;
  /**
   * The same over one long-lived stream per router (frames carry the router's epoch).
   */
  pipeline(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_ringkv_v1_PipelineFrame, _ringkv_v1_PipelineReply__Output>;
  pipeline(options?: grpc.CallOptions): grpc.ClientDuplexStream<_ringkv_v1_PipelineFrame, _ringkv_v1_PipelineReply__Output>;
  
  /**
   * Scans this node's owned keys after a ring position.
   */
  Scan(argument: _ringkv_v1_NodeScanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_NodeScanResponse__Output>): grpc.ClientUnaryCall;
  Scan(argument: _ringkv_v1_NodeScanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_NodeScanResponse__Output>): grpc.ClientUnaryCall;
  Scan(argument: _ringkv_v1_NodeScanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_NodeScanResponse__Output>): grpc.ClientUnaryCall;
  Scan(argument: _ringkv_v1_NodeScanRequest, callback: grpc.requestCallback<_ringkv_v1_NodeScanResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Scans this node's owned keys after a ring position.
   */
  scan(argument: _ringkv_v1_NodeScanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_NodeScanResponse__Output>): grpc.ClientUnaryCall;
  scan(argument: _ringkv_v1_NodeScanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_NodeScanResponse__Output>): grpc.ClientUnaryCall;
  scan(argument: _ringkv_v1_NodeScanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_NodeScanResponse__Output>): grpc.ClientUnaryCall;
  scan(argument: _ringkv_v1_NodeScanRequest, callback: grpc.requestCallback<_ringkv_v1_NodeScanResponse__Output>): grpc.ClientUnaryCall;
  
  Stats(argument: _ringkv_v1_NodeStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_NodeStatsResponse__Output>): grpc.ClientUnaryCall;
  Stats(argument: _ringkv_v1_NodeStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_NodeStatsResponse__Output>): grpc.ClientUnaryCall;
  Stats(argument: _ringkv_v1_NodeStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_NodeStatsResponse__Output>): grpc.ClientUnaryCall;
  Stats(argument: _ringkv_v1_NodeStatsRequest, callback: grpc.requestCallback<_ringkv_v1_NodeStatsResponse__Output>): grpc.ClientUnaryCall;
  stats(argument: _ringkv_v1_NodeStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_NodeStatsResponse__Output>): grpc.ClientUnaryCall;
  stats(argument: _ringkv_v1_NodeStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_NodeStatsResponse__Output>): grpc.ClientUnaryCall;
  stats(argument: _ringkv_v1_NodeStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_NodeStatsResponse__Output>): grpc.ClientUnaryCall;
  stats(argument: _ringkv_v1_NodeStatsRequest, callback: grpc.requestCallback<_ringkv_v1_NodeStatsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Installs a newer cluster map (ignored if not newer; rejected if from another cluster).
   */
  UpdateClusterMap(argument: _ringkv_v1_ClusterMap, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  UpdateClusterMap(argument: _ringkv_v1_ClusterMap, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  UpdateClusterMap(argument: _ringkv_v1_ClusterMap, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  UpdateClusterMap(argument: _ringkv_v1_ClusterMap, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  /**
   * Installs a newer cluster map (ignored if not newer; rejected if from another cluster).
   */
  updateClusterMap(argument: _ringkv_v1_ClusterMap, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  updateClusterMap(argument: _ringkv_v1_ClusterMap, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  updateClusterMap(argument: _ringkv_v1_ClusterMap, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  updateClusterMap(argument: _ringkv_v1_ClusterMap, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  
}

/**
 * Served by every storage node to routers (and, for migration, to other nodes).
 */
export interface NodeHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Replication, primary side: streams a snapshot of every arc this node leads and that
   * target_id replicates to target_id, which must be catching up at request.epoch (it clears
   * those arcs when it starts catching up; the primary forwards new writes meanwhile).
   */
  CatchUp: grpc.handleServerStreamingCall<_ringkv_v1_CatchUpRequest__Output, _ringkv_v1_MigrateArcProgress>;
  
  /**
   * Counts the live keys and bytes this node holds in each arc (for plans).
   */
  EstimateArcs: grpc.handleUnaryCall<_ringkv_v1_EstimateArcsRequest__Output, _ringkv_v1_EstimateArcsResponse>;
  
  /**
   * Runs a batch of operations for keys this node owns at request.epoch.
   */
  Execute: grpc.handleUnaryCall<_ringkv_v1_NodeExecuteRequest__Output, _ringkv_v1_NodeExecuteResponse>;
  
  /**
   * Migration, source side, once the arc is in hand-off (the node refuses it with TRY_AGAIN):
   * reports whether any forwarded write failed since the last completed snapshot.
   */
  FinishHandoff: grpc.handleUnaryCall<_ringkv_v1_FinishHandoffRequest__Output, _ringkv_v1_FinishHandoffResponse>;
  
  GetClusterMap: grpc.handleUnaryCall<_ringkv_v1_GetClusterMapRequest__Output, _ringkv_v1_ClusterMapReply>;
  
  /**
   * Migration, target side: last-writer-wins ingest of records (snapshot or forwarded writes).
   */
  Ingest: grpc.handleUnaryCall<_ringkv_v1_IngestRequest__Output, _ringkv_v1_IngestResponse>;
  
  /**
   * Migration, source side: streams snapshots of arcs to their new owner (which must already
   * hold a map naming the moves), reporting progress; ends when every arc is ingested.
   */
  MigrateArc: grpc.handleServerStreamingCall<_ringkv_v1_MigrateArcRequest__Output, _ringkv_v1_MigrateArcProgress>;
  
  /**
   * The same over one long-lived stream per router (frames carry the router's epoch).
   */
  Pipeline: grpc.handleBidiStreamingCall<_ringkv_v1_PipelineFrame__Output, _ringkv_v1_PipelineReply>;
  
  /**
   * Scans this node's owned keys after a ring position.
   */
  Scan: grpc.handleUnaryCall<_ringkv_v1_NodeScanRequest__Output, _ringkv_v1_NodeScanResponse>;
  
  Stats: grpc.handleUnaryCall<_ringkv_v1_NodeStatsRequest__Output, _ringkv_v1_NodeStatsResponse>;
  
  /**
   * Installs a newer cluster map (ignored if not newer; rejected if from another cluster).
   */
  UpdateClusterMap: grpc.handleUnaryCall<_ringkv_v1_ClusterMap__Output, _ringkv_v1_ClusterMapReply>;
  
}

export interface NodeDefinition extends grpc.ServiceDefinition {
  CatchUp: MethodDefinition<_ringkv_v1_CatchUpRequest, _ringkv_v1_MigrateArcProgress, _ringkv_v1_CatchUpRequest__Output, _ringkv_v1_MigrateArcProgress__Output>
  EstimateArcs: MethodDefinition<_ringkv_v1_EstimateArcsRequest, _ringkv_v1_EstimateArcsResponse, _ringkv_v1_EstimateArcsRequest__Output, _ringkv_v1_EstimateArcsResponse__Output>
  Execute: MethodDefinition<_ringkv_v1_NodeExecuteRequest, _ringkv_v1_NodeExecuteResponse, _ringkv_v1_NodeExecuteRequest__Output, _ringkv_v1_NodeExecuteResponse__Output>
  FinishHandoff: MethodDefinition<_ringkv_v1_FinishHandoffRequest, _ringkv_v1_FinishHandoffResponse, _ringkv_v1_FinishHandoffRequest__Output, _ringkv_v1_FinishHandoffResponse__Output>
  GetClusterMap: MethodDefinition<_ringkv_v1_GetClusterMapRequest, _ringkv_v1_ClusterMapReply, _ringkv_v1_GetClusterMapRequest__Output, _ringkv_v1_ClusterMapReply__Output>
  Ingest: MethodDefinition<_ringkv_v1_IngestRequest, _ringkv_v1_IngestResponse, _ringkv_v1_IngestRequest__Output, _ringkv_v1_IngestResponse__Output>
  MigrateArc: MethodDefinition<_ringkv_v1_MigrateArcRequest, _ringkv_v1_MigrateArcProgress, _ringkv_v1_MigrateArcRequest__Output, _ringkv_v1_MigrateArcProgress__Output>
  Pipeline: MethodDefinition<_ringkv_v1_PipelineFrame, _ringkv_v1_PipelineReply, _ringkv_v1_PipelineFrame__Output, _ringkv_v1_PipelineReply__Output>
  Scan: MethodDefinition<_ringkv_v1_NodeScanRequest, _ringkv_v1_NodeScanResponse, _ringkv_v1_NodeScanRequest__Output, _ringkv_v1_NodeScanResponse__Output>
  Stats: MethodDefinition<_ringkv_v1_NodeStatsRequest, _ringkv_v1_NodeStatsResponse, _ringkv_v1_NodeStatsRequest__Output, _ringkv_v1_NodeStatsResponse__Output>
  UpdateClusterMap: MethodDefinition<_ringkv_v1_ClusterMap, _ringkv_v1_ClusterMapReply, _ringkv_v1_ClusterMap__Output, _ringkv_v1_ClusterMapReply__Output>
}
