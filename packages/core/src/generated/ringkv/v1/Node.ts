// Original file: proto/ringkv/v1/node.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ClusterMap as _ringkv_v1_ClusterMap, ClusterMap__Output as _ringkv_v1_ClusterMap__Output } from '../../ringkv/v1/ClusterMap.js';
import type { ClusterMapReply as _ringkv_v1_ClusterMapReply, ClusterMapReply__Output as _ringkv_v1_ClusterMapReply__Output } from '../../ringkv/v1/ClusterMapReply.js';
import type { GetClusterMapRequest as _ringkv_v1_GetClusterMapRequest, GetClusterMapRequest__Output as _ringkv_v1_GetClusterMapRequest__Output } from '../../ringkv/v1/GetClusterMapRequest.js';
import type { NodeExecuteRequest as _ringkv_v1_NodeExecuteRequest, NodeExecuteRequest__Output as _ringkv_v1_NodeExecuteRequest__Output } from '../../ringkv/v1/NodeExecuteRequest.js';
import type { NodeExecuteResponse as _ringkv_v1_NodeExecuteResponse, NodeExecuteResponse__Output as _ringkv_v1_NodeExecuteResponse__Output } from '../../ringkv/v1/NodeExecuteResponse.js';
import type { NodeScanRequest as _ringkv_v1_NodeScanRequest, NodeScanRequest__Output as _ringkv_v1_NodeScanRequest__Output } from '../../ringkv/v1/NodeScanRequest.js';
import type { NodeScanResponse as _ringkv_v1_NodeScanResponse, NodeScanResponse__Output as _ringkv_v1_NodeScanResponse__Output } from '../../ringkv/v1/NodeScanResponse.js';
import type { NodeStatsRequest as _ringkv_v1_NodeStatsRequest, NodeStatsRequest__Output as _ringkv_v1_NodeStatsRequest__Output } from '../../ringkv/v1/NodeStatsRequest.js';
import type { NodeStatsResponse as _ringkv_v1_NodeStatsResponse, NodeStatsResponse__Output as _ringkv_v1_NodeStatsResponse__Output } from '../../ringkv/v1/NodeStatsResponse.js';

/**
 * Served by every storage node to routers (and, for migration, to other nodes).
 */
export interface NodeClient extends grpc.Client {
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
  
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  
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
   * Runs a batch of operations for keys this node owns at request.epoch.
   */
  Execute: grpc.handleUnaryCall<_ringkv_v1_NodeExecuteRequest__Output, _ringkv_v1_NodeExecuteResponse>;
  
  GetClusterMap: grpc.handleUnaryCall<_ringkv_v1_GetClusterMapRequest__Output, _ringkv_v1_ClusterMapReply>;
  
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
  Execute: MethodDefinition<_ringkv_v1_NodeExecuteRequest, _ringkv_v1_NodeExecuteResponse, _ringkv_v1_NodeExecuteRequest__Output, _ringkv_v1_NodeExecuteResponse__Output>
  GetClusterMap: MethodDefinition<_ringkv_v1_GetClusterMapRequest, _ringkv_v1_ClusterMapReply, _ringkv_v1_GetClusterMapRequest__Output, _ringkv_v1_ClusterMapReply__Output>
  Scan: MethodDefinition<_ringkv_v1_NodeScanRequest, _ringkv_v1_NodeScanResponse, _ringkv_v1_NodeScanRequest__Output, _ringkv_v1_NodeScanResponse__Output>
  Stats: MethodDefinition<_ringkv_v1_NodeStatsRequest, _ringkv_v1_NodeStatsResponse, _ringkv_v1_NodeStatsRequest__Output, _ringkv_v1_NodeStatsResponse__Output>
  UpdateClusterMap: MethodDefinition<_ringkv_v1_ClusterMap, _ringkv_v1_ClusterMapReply, _ringkv_v1_ClusterMap__Output, _ringkv_v1_ClusterMapReply__Output>
}
