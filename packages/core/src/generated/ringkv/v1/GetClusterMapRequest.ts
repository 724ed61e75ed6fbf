// Original file: proto/ringkv/v1/node.proto


export interface GetClusterMapRequest {
}

export interface GetClusterMapRequest__Output {
}
