import { credentials } from '@grpc/grpc-js';
import {
  Batcher, CLIENT_CHANNEL_OPTIONS, ErrorCode, NodeService, RingKvError, clusterMapFromProto, clusterMapToProto,
  fromGrpcError, opSize, type ClusterMap, type ClusterMember, type NodeClient, type NodeScanRequest,
  type NodeScanResponse__Output, type NodeStatsResponse__Output, type Op__Output, type OpResult__Output,
} from '@ringkv/core';

export interface ShardClientOptions {
  /** Deadline of each router -> shard call. @default 5000 */
  requestTimeoutMs: number;
}

/**
 * The router's connection to one storage node. Single-key operations for the shard that
 * arrive in the same tick are coalesced into one Node.Execute batch.
 */
export class ShardClient {
  readonly id: string;
  readonly address: string;
  readonly #grpc: NodeClient;
  readonly #batcher: Batcher<Op__Output, OpResult__Output>;
  readonly #epoch: () => bigint;
  readonly #timeoutMs: number;

  constructor(member: Pick<ClusterMember, 'id' | 'address'>, epoch: () => bigint, options: ShardClientOptions) {
    this.id = member.id;
    this.address = member.address;
    this.#epoch = epoch;
    this.#timeoutMs = options.requestTimeoutMs;
    this.#grpc = new NodeService(member.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
    this.#batcher = new Batcher((ops) => this.#execute(ops), opSize, { maxInFlight: 16, maxQueued: 50_000 });
  }

  submit(op: Op__Output): Promise<OpResult__Output> {
    return this.#batcher.submit(op);
  }

  #deadline(): Date {
    return new Date(Date.now() + this.#timeoutMs);
  }

  #unavailable(err: unknown): RingKvError {
    const e = fromGrpcError(err);
    if (e.code === ErrorCode.UNAVAILABLE || e.code === ErrorCode.DEADLINE_EXCEEDED) {
      return new RingKvError(e.code, `shard ${this.id} (${this.address}): ${e.message}`, { cause: err });
    }
    return e;
  }

  #execute(ops: Op__Output[]): Promise<OpResult__Output[]> {
    return new Promise((resolve, reject) => {
      this.#grpc.Execute({ epoch: this.#epoch().toString(), ops }, { deadline: this.#deadline() }, (err, res) => {
        if (err || !res) reject(this.#unavailable(err));
        else resolve(res.results);
      });
    });
  }

  scan(req: NodeScanRequest): Promise<NodeScanResponse__Output> {
    return new Promise((resolve, reject) => {
      this.#grpc.Scan(req, { deadline: this.#deadline() }, (err, res) => (err || !res ? reject(this.#unavailable(err)) : resolve(res)));
    });
  }

  getClusterMap(timeoutMs = this.#timeoutMs): Promise<ClusterMap | undefined> {
    return new Promise((resolve, reject) => {
      this.#grpc.GetClusterMap({}, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) => {
        if (err || !res) reject(this.#unavailable(err));
        else resolve(res.map ? clusterMapFromProto(res.map) : undefined);
      });
    });
  }

  /** Offers the node a map; resolves to the map the node holds afterwards. */
  updateClusterMap(map: ClusterMap): Promise<ClusterMap | undefined> {
    return new Promise((resolve, reject) => {
      this.#grpc.UpdateClusterMap(clusterMapToProto(map), { deadline: this.#deadline() }, (err, res) => {
        if (err || !res) reject(this.#unavailable(err));
        else resolve(res.map ? clusterMapFromProto(res.map) : undefined);
      });
    });
  }

  stats(timeoutMs = this.#timeoutMs): Promise<NodeStatsResponse__Output> {
    return new Promise((resolve, reject) => {
      this.#grpc.Stats({}, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) => (err || !res ? reject(this.#unavailable(err)) : resolve(res)));
    });
  }

  close(): void {
    this.#batcher.close(new RingKvError(ErrorCode.UNAVAILABLE, `shard ${this.id}: connection closed`));
    this.#grpc.close();
  }
}
