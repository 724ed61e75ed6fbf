// Original file: proto/ringkv/v1/node.proto


export interface ArcRange {
  'start'?: (number);
  'end'?: (number);
}

export interface ArcRange__Output {
  'start': (number);
  'end': (number);
}
