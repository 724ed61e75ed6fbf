import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Condition as _ringkv_v1_Condition, Condition__Output as _ringkv_v1_Condition__Output } from './ringkv/v1/Condition.js';
import type { DeleteOp as _ringkv_v1_DeleteOp, DeleteOp__Output as _ringkv_v1_DeleteOp__Output } from './ringkv/v1/DeleteOp.js';
import type { Entry as _ringkv_v1_Entry, Entry__Output as _ringkv_v1_Entry__Output } from './ringkv/v1/Entry.js';
import type { GetOp as _ringkv_v1_GetOp, GetOp__Output as _ringkv_v1_GetOp__Output } from './ringkv/v1/GetOp.js';
import type { LockOp as _ringkv_v1_LockOp, LockOp__Output as _ringkv_v1_LockOp__Output } from './ringkv/v1/LockOp.js';
import type { Op as _ringkv_v1_Op, Op__Output as _ringkv_v1_Op__Output } from './ringkv/v1/Op.js';
import type { OpResult as _ringkv_v1_OpResult, OpResult__Output as _ringkv_v1_OpResult__Output } from './ringkv/v1/OpResult.js';
import type { PipelineFrame as _ringkv_v1_PipelineFrame, PipelineFrame__Output as _ringkv_v1_PipelineFrame__Output } from './ringkv/v1/PipelineFrame.js';
import type { PipelineReply as _ringkv_v1_PipelineReply, PipelineReply__Output as _ringkv_v1_PipelineReply__Output } from './ringkv/v1/PipelineReply.js';
import type { PutOp as _ringkv_v1_PutOp, PutOp__Output as _ringkv_v1_PutOp__Output } from './ringkv/v1/PutOp.js';
import type { QueueOp as _ringkv_v1_QueueOp, QueueOp__Output as _ringkv_v1_QueueOp__Output } from './ringkv/v1/QueueOp.js';
import type { QueueStats as _ringkv_v1_QueueStats, QueueStats__Output as _ringkv_v1_QueueStats__Output } from './ringkv/v1/QueueStats.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  ringkv: {
    v1: {
      Condition: MessageTypeDefinition<_ringkv_v1_Condition, _ringkv_v1_Condition__Output>
      DeleteOp: MessageTypeDefinition<_ringkv_v1_DeleteOp, _ringkv_v1_DeleteOp__Output>
      Entry: MessageTypeDefinition<_ringkv_v1_Entry, _ringkv_v1_Entry__Output>
      GetOp: MessageTypeDefinition<_ringkv_v1_GetOp, _ringkv_v1_GetOp__Output>
      LockOp: MessageTypeDefinition<_ringkv_v1_LockOp, _ringkv_v1_LockOp__Output>
      Op: MessageTypeDefinition<_ringkv_v1_Op, _ringkv_v1_Op__Output>
      OpResult: MessageTypeDefinition<_ringkv_v1_OpResult, _ringkv_v1_OpResult__Output>
      PipelineFrame: MessageTypeDefinition<_ringkv_v1_PipelineFrame, _ringkv_v1_PipelineFrame__Output>
      PipelineReply: MessageTypeDefinition<_ringkv_v1_PipelineReply, _ringkv_v1_PipelineReply__Output>
      PutOp: MessageTypeDefinition<_ringkv_v1_PutOp, _ringkv_v1_PutOp__Output>
      QueueOp: MessageTypeDefinition<_ringkv_v1_QueueOp, _ringkv_v1_QueueOp__Output>
      QueueStats: MessageTypeDefinition<_ringkv_v1_QueueStats, _ringkv_v1_QueueStats__Output>
    }
  }
}

