// Original file: proto/ringkv/v1/node.proto

import type { Long } from '@grpc/proto-loader';

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
  /**
   * With "catching_up": the epoch that started this catch-up. The shard clears its arcs once
   * per catch-up, also when it missed the maps in between.
   */
  'since'?: (number | string | Long);
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
  /**
   * With "catching_up": the epoch that started this catch-up. The shard clears its arcs once
   * per catch-up, also when it missed the maps in between.
   */
  'since': (string);
}
