// Original file: proto/ringkv/v1/node.proto


export interface FinishHandoffResponse {
  /**
   * Per arc of the request: true if it must be copied again before its hand-off may complete.
   */
  'dirty'?: (boolean)[];
}

export interface FinishHandoffResponse__Output {
  /**
   * Per arc of the request: true if it must be copied again before its hand-off may complete.
   */
  'dirty': (boolean)[];
}
