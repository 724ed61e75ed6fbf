// Original file: proto/ringkv/v1/common.proto


export interface GetOp {
  'key'?: (Buffer | Uint8Array | string);
  /**
   * "" or "primary": the arc's primary (linearizable). "replica": any in-sync replica
   * (may lag the primary by the writes in flight), chosen by replica_selection.
   */
  'readFrom'?: (string);
  /**
   * With read_from = "replica": "random" (default), "round_robin" or "least_outstanding".
   */
  'replicaSelection'?: (string);
}

export interface GetOp__Output {
  'key': (Buffer);
  /**
   * "" or "primary": the arc's primary (linearizable). "replica": any in-sync replica
   * (may lag the primary by the writes in flight), chosen by replica_selection.
   */
  'readFrom': (string);
  /**
   * With read_from = "replica": "random" (default), "round_robin" or "least_outstanding".
   */
  'replicaSelection': (string);
}
