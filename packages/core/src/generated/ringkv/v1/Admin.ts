// Original file: proto/ringkv/v1/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ClusterMapReply as _ringkv_v1_ClusterMapReply, ClusterMapReply__Output as _ringkv_v1_ClusterMapReply__Output } from '../../ringkv/v1/ClusterMapReply.js';
import type { GetClusterMapRequest as _ringkv_v1_GetClusterMapRequest, GetClusterMapRequest__Output as _ringkv_v1_GetClusterMapRequest__Output } from '../../ringkv/v1/GetClusterMapRequest.js';
import type { StatusRequest as _ringkv_v1_StatusRequest, StatusRequest__Output as _ringkv_v1_StatusRequest__Output } from '../../ringkv/v1/StatusRequest.js';
import type { StatusResponse as _ringkv_v1_StatusResponse, StatusResponse__Output as _ringkv_v1_StatusResponse__Output } from '../../ringkv/v1/StatusResponse.js';

/**
 * Cluster administration, served by every router.
 */
export interface AdminClient extends grpc.Client {
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  GetClusterMap(argument: _ringkv_v1_GetClusterMapRequest, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  getClusterMap(argument: _ringkv_v1_GetClusterMapRequest, callback: grpc.requestCallback<_ringkv_v1_ClusterMapReply__Output>): grpc.ClientUnaryCall;
  
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
  GetClusterMap: grpc.handleUnaryCall<_ringkv_v1_GetClusterMapRequest__Output, _ringkv_v1_ClusterMapReply>;
  
  Status: grpc.handleUnaryCall<_ringkv_v1_StatusRequest__Output, _ringkv_v1_StatusResponse>;
  
}

export interface AdminDefinition extends grpc.ServiceDefinition {
  GetClusterMap: MethodDefinition<_ringkv_v1_GetClusterMapRequest, _ringkv_v1_ClusterMapReply, _ringkv_v1_GetClusterMapRequest__Output, _ringkv_v1_ClusterMapReply__Output>
  Status: MethodDefinition<_ringkv_v1_StatusRequest, _ringkv_v1_StatusResponse, _ringkv_v1_StatusRequest__Output, _ringkv_v1_StatusResponse__Output>
}
