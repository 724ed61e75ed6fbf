import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS, NodeService, clusterMapFromProto, clusterMapToProto, fromGrpcError,
  type ClusterMap, type ClusterMapReply__Output, type NodeClient, type RawRecord,
} from '@ringkv/core';

/** gRPC clients to other storage nodes, by address (migration targets). */
export class PeerPool {
  readonly #clients = new Map<string, NodeClient>();
  readonly #timeoutMs: number;
  readonly #credentials: ChannelCredentials;

  /** `creds`: TLS with this node's certificate as client certificate when TLS is on (tls.ts peerCredentials). */
  constructor(creds: ChannelCredentials = credentials.createInsecure(), timeoutMs = 10_000) {
    this.#credentials = creds;
    this.#timeoutMs = timeoutMs;
  }

  #client(address: string): NodeClient {
    const existing = this.#clients.get(address);
    if (existing) return existing;
    const created: NodeClient = new NodeService(address, this.#credentials, CLIENT_CHANNEL_OPTIONS);
    this.#clients.set(address, created);
    return created;
  }

  /** Sends records to a target node's Ingest; rejects with a RingKvError. */
  ingest(address: string, epoch: bigint, from: string, records: RawRecord[], replicate = false, timeoutMs = this.#timeoutMs): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#client(address).Ingest(
        { epoch: epoch.toString(), from, records, replicate },
        { deadline: new Date(Date.now() + timeoutMs) },
        (err) => (err ? reject(fromGrpcError(err)) : resolve()),
      );
    });
  }

  /** A peer's cluster map (undefined if it has none). */
  async getClusterMap(address: string, timeoutMs: number): Promise<ClusterMap | undefined> {
    const reply = await this.#clusterMapReply(address, timeoutMs);
    return reply.map ? clusterMapFromProto(reply.map) : undefined;
  }

  /** A peer's settled epoch (see ClusterMapReply.settled_epoch) and version-clock high-water mark. */
  async clockOf(address: string, timeoutMs: number): Promise<{ epoch: bigint; clock: bigint }> {
    const reply = await this.#clusterMapReply(address, timeoutMs);
    return { epoch: BigInt(reply.settledEpoch), clock: BigInt(reply.clock) };
  }

  #clusterMapReply(address: string, timeoutMs: number): Promise<ClusterMapReply__Output> {
    return new Promise((resolve, reject) => {
      this.#client(address).GetClusterMap({}, { deadline: new Date(Date.now() + timeoutMs) }, (err, reply) => {
        if (err || !reply) reject(err ? fromGrpcError(err) : new Error('no reply'));
        else resolve(reply);
      });
    });
  }

  /** Gives a peer that is behind our map our map. */
  updateClusterMap(address: string, map: ClusterMap, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#client(address).UpdateClusterMap(clusterMapToProto(map), { deadline: new Date(Date.now() + timeoutMs) },
        (err) => (err ? reject(fromGrpcError(err)) : resolve()));
    });
  }

  /** Drops the client of a peer that did not answer: the next call opens a new connection. */
  reset(address: string): void {
    this.#clients.get(address)?.close();
    this.#clients.delete(address);
  }

  /** Closes the clients of peers that are no longer in the cluster. */
  retain(addresses: Iterable<string>): void {
    const keep = new Set(addresses);
    for (const [address, c] of this.#clients) {
      if (!keep.has(address)) {
        c.close();
        this.#clients.delete(address);
      }
    }
  }

  close(): void {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
  }
}
