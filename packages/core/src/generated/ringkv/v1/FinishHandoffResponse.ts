// Original file: proto/ringkv/v1/node.proto


export interface FinishHandoffResponse {
  /**
   * True if the arc must be copied again before the hand-off may complete.
   */
  'dirty'?: (boolean);
}

export interface FinishHandoffResponse__Output {
  /**
   * True if the arc must be copied again before the hand-off may complete.
   */
  'dirty': (boolean);
}
