// Original file: proto/ringkv/v1/node.proto


/**
 * A shard that is not in the in-sync set of the arcs it replicates.
 */
export interface ReplicaState {
  'id'?: (string);
  /**
   * "out_of_sync": dropped (unreachable, or behind); "catching_up": receiving a copy of its
   * arcs from their primaries, which also forward every new write to it.
   */
  'state'?: (string);
}

/**
 * A shard that is not in the in-sync set of the arcs it replicates.
 */
export interface ReplicaState__Output {
  'id': (string);
  /**
   * "out_of_sync": dropped (unreachable, or behind); "catching_up": receiving a copy of its
   * arcs from their primaries, which also forward every new write to it.
   */
  'state': (string);
}
