// Original file: proto/ringkv/v1/kv.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ExecuteRequest as _ringkv_v1_ExecuteRequest, ExecuteRequest__Output as _ringkv_v1_ExecuteRequest__Output } from '../../ringkv/v1/ExecuteRequest.js';
import type { ExecuteResponse as _ringkv_v1_ExecuteResponse, ExecuteResponse__Output as _ringkv_v1_ExecuteResponse__Output } from '../../ringkv/v1/ExecuteResponse.js';
import type { PipelineFrame as _ringkv_v1_PipelineFrame, PipelineFrame__Output as _ringkv_v1_PipelineFrame__Output } from '../../ringkv/v1/PipelineFrame.js';
import type { PipelineReply as _ringkv_v1_PipelineReply, PipelineReply__Output as _ringkv_v1_PipelineReply__Output } from '../../ringkv/v1/PipelineReply.js';
import type { ScanRequest as _ringkv_v1_ScanRequest, ScanRequest__Output as _ringkv_v1_ScanRequest__Output } from '../../ringkv/v1/ScanRequest.js';
import type { ScanResponse as _ringkv_v1_ScanResponse, ScanResponse__Output as _ringkv_v1_ScanResponse__Output } from '../../ringkv/v1/ScanResponse.js';

/**
 * The client-facing data API, served by every router.
 */
export interface KVClient extends grpc.Client {
  /**
   * Runs a batch of single-key operations; results come back in request order.
   */
  Execute(argument: _ringkv_v1_ExecuteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ExecuteResponse__Output>): grpc.ClientUnaryCall;
  Execute(argument: _ringkv_v1_ExecuteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_ExecuteResponse__Output>): grpc.ClientUnaryCall;
  Execute(argument: _ringkv_v1_ExecuteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ExecuteResponse__Output>): grpc.ClientUnaryCall;
  Execute(argument: _ringkv_v1_ExecuteRequest, callback: grpc.requestCallback<_ringkv_v1_ExecuteResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Runs a batch of single-key operations; results come back in request order.
   */
  execute(argument: _ringkv_v1_ExecuteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ExecuteResponse__Output>): grpc.ClientUnaryCall;
  execute(argument: _ringkv_v1_ExecuteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_ExecuteResponse__Output>): grpc.ClientUnaryCall;
  execute(argument: _ringkv_v1_ExecuteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ExecuteResponse__Output>): grpc.ClientUnaryCall;
  execute(argument: _ringkv_v1_ExecuteRequest, callback: grpc.requestCallback<_ringkv_v1_ExecuteResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The hot path: batches multiplexed over one long-lived stream (about 50 us per message
   * instead of about 350 us per unary call on a small machine).
   */
  Pipeline(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_ringkv_v1_PipelineFrame, _ringkv_v1_PipelineReply__Output>;
  Pipeline(options?: grpc.CallOptions): grpc.ClientDuplexStream<_ringkv_v1_PipelineFrame, _ringkv_v1_PipelineReply__Output>;
  /**
   * The hot path: batches multiplexed over one long-lived stream (about 50 us per message
   * instead of about 350 us per unary call on a small machine).
   */
  pipeline(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_ringkv_v1_PipelineFrame, _ringkv_v1_PipelineReply__Output>;
  pipeline(options?: grpc.CallOptions): grpc.ClientDuplexStream<_ringkv_v1_PipelineFrame, _ringkv_v1_PipelineReply__Output>;
  
  /**
   * One page of a cluster-wide scan in ring order; resume with the returned cursor.
   */
  Scan(argument: _ringkv_v1_ScanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  Scan(argument: _ringkv_v1_ScanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  Scan(argument: _ringkv_v1_ScanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  Scan(argument: _ringkv_v1_ScanRequest, callback: grpc.requestCallback<_ringkv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  /**
   * One page of a cluster-wide scan in ring order; resume with the returned cursor.
   */
  scan(argument: _ringkv_v1_ScanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  scan(argument: _ringkv_v1_ScanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ringkv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  scan(argument: _ringkv_v1_ScanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ringkv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  scan(argument: _ringkv_v1_ScanRequest, callback: grpc.requestCallback<_ringkv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * The client-facing data API, served by every router.
 */
export interface KVHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Runs a batch of single-key operations; results come back in request order.
   */
  Execute: grpc.handleUnaryCall<_ringkv_v1_ExecuteRequest__Output, _ringkv_v1_ExecuteResponse>;
  
  /**
   * The hot path: batches multiplexed over one long-lived stream (about 50 us per message
   * instead of about 350 us per unary call on a small machine).
   */
  Pipeline: grpc.handleBidiStreamingCall<_ringkv_v1_PipelineFrame__Output, _ringkv_v1_PipelineReply>;
  
  /**
   * One page of a cluster-wide scan in ring order; resume with the returned cursor.
   */
  Scan: grpc.handleUnaryCall<_ringkv_v1_ScanRequest__Output, _ringkv_v1_ScanResponse>;
  
}

export interface KVDefinition extends grpc.ServiceDefinition {
  Execute: MethodDefinition<_ringkv_v1_ExecuteRequest, _ringkv_v1_ExecuteResponse, _ringkv_v1_ExecuteRequest__Output, _ringkv_v1_ExecuteResponse__Output>
  Pipeline: MethodDefinition<_ringkv_v1_PipelineFrame, _ringkv_v1_PipelineReply, _ringkv_v1_PipelineFrame__Output, _ringkv_v1_PipelineReply__Output>
  Scan: MethodDefinition<_ringkv_v1_ScanRequest, _ringkv_v1_ScanResponse, _ringkv_v1_ScanRequest__Output, _ringkv_v1_ScanResponse__Output>
}
