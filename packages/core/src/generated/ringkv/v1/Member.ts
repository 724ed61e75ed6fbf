// Original file: proto/ringkv/v1/node.proto


export interface Member {
  'id'?: (string);
  'address'?: (string);
  'weight'?: (number | string);
  /**
   * "active" | "joining" | "leaving"
   */
  'state'?: (string);
}

export interface Member__Output {
  'id': (string);
  'address': (string);
  'weight': (number);
  /**
   * "active" | "joining" | "leaving"
   */
  'state': (string);
}
