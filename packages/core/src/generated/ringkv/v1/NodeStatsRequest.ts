// Original file: proto/ringkv/v1/node.proto


export interface NodeStatsRequest {
}

export interface NodeStatsRequest__Output {
}
