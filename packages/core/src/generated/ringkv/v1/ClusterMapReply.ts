// Original file: proto/ringkv/v1/node.proto

import type { ClusterMap as _ringkv_v1_ClusterMap, ClusterMap__Output as _ringkv_v1_ClusterMap__Output } from '../../ringkv/v1/ClusterMap.js';
import type { Long } from '@grpc/proto-loader';

export interface ClusterMapReply {
  /**
   * Absent when the node has not joined a cluster yet.
   */
  'map'?: (_ringkv_v1_ClusterMap | null);
  'nodeId'?: (string);
  /**
   * In-sync replicas this node (as a primary) could not replicate to at its epoch: it asks the
   * coordinating router to drop them from the in-sync set, and acknowledges no write that
   * needs them until then.
   */
  'unreachable'?: (string)[];
  /**
   * The high-water mark of the node's version clock: a replica promoted to primary starts its
   * versions above those of the other in-sync replicas.
   */
  'clock'?: (number | string | Long);
  /**
   * The newest epoch whose install is complete here (writes accepted under older maps applied).
   */
  'settledEpoch'?: (number | string | Long);
}

export interface ClusterMapReply__Output {
  /**
   * Absent when the node has not joined a cluster yet.
   */
  'map': (_ringkv_v1_ClusterMap__Output | null);
  'nodeId': (string);
  /**
   * In-sync replicas this node (as a primary) could not replicate to at its epoch: it asks the
   * coordinating router to drop them from the in-sync set, and acknowledges no write that
   * needs them until then.
   */
  'unreachable': (string)[];
  /**
   * The high-water mark of the node's version clock: a replica promoted to primary starts its
   * versions above those of the other in-sync replicas.
   */
  'clock': (string);
  /**
   * The newest epoch whose install is complete here (writes accepted under older maps applied).
   */
  'settledEpoch': (string);
}
