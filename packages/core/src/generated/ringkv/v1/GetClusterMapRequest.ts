// Original file: proto/ringkv/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface GetClusterMapRequest {
  /**
   * The coordinator's heartbeat (all empty otherwise). `grantor` names its term; the node
   * remembers when it sent its reply to each `seq`. `confirmed_seq` is the newest of those
   * replies the coordinator received: the node's lease then runs `lease_ms` from when it sent
   * that reply, which cannot be later than when the coordinator got it.
   */
  'grantor'?: (string);
  'seq'?: (number | string | Long);
  'confirmedSeq'?: (number | string | Long);
  'leaseMs'?: (number | string | Long);
}

export interface GetClusterMapRequest__Output {
  /**
   * The coordinator's heartbeat (all empty otherwise). `grantor` names its term; the node
   * remembers when it sent its reply to each `seq`. `confirmed_seq` is the newest of those
   * replies the coordinator received: the node's lease then runs `lease_ms` from when it sent
   * that reply, which cannot be later than when the coordinator got it.
   */
  'grantor': (string);
  'seq': (string);
  'confirmedSeq': (string);
  'leaseMs': (string);
}
