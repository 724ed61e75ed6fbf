import { Metadata, connectivityState, credentials, type ChannelCredentials, type ClientUnaryCall } from '@grpc/grpc-js';
import {
  Batcher, CLIENT_CHANNEL_OPTIONS, ErrorCode, NodeService, PipelineMux, REQUEST_ID_HEADER, RingKvError, clusterMapFromProto, clusterMapToProto,
  fromGrpcError, opSize, type ClusterMap, type ClusterMapReply__Output, type ClusterMember, type NodeClient, type NodeScanRequest,
  type NodeScanResponse__Output, type NodeStatsResponse__Output, type Op__Output, type OpResult__Output,
} from '@ringkv/core';

/** An empty successful result: a queue pop that found no message. */
const NO_RESULT: OpResult__Output = {
  errorCode: '', errorMessage: '', found: false, value: Buffer.alloc(0), version: '0', expiresAtMs: '0', epoch: '0',
  remainingMs: '0', id: '0', deliveries: 0, queueStats: null, owner: '',
};

export interface ShardClientOptions {
  /** Deadline of each router -> shard call. @default 5000 */
  requestTimeoutMs: number;
  /** mTLS towards the shards when TLS is on (tls.ts peerCredentials). @default plaintext */
  credentials?: ChannelCredentials;
}

/** The primary-lease part of a coordinator heartbeat (GetClusterMapRequest). */
export interface LeaseGrant {
  grantor: string;
  seq: bigint;
  /** The newest reply of this shard the coordinator received (0: none yet). */
  confirmedSeq: bigint;
  /** 0 grants nothing. */
  leaseMs: number;
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
  readonly #mux: PipelineMux;
  readonly #epoch: () => bigint;
  readonly #timeoutMs: number;
  /** When the connection to the shard was lost (it had been READY); cleared once READY again. */
  #lostAt: number | undefined;
  #closed = false;
  /** executeAlone calls in flight (blocking pops). */
  readonly #alone = new Set<ClientUnaryCall>();
  #endingBlocking = false;
  /** Operations submitted (batched or alone) and not settled yet: for least-outstanding replica reads. */
  #outstanding = 0;
  readonly #settled = (): void => {
    this.#outstanding--;
  };

  constructor(member: Pick<ClusterMember, 'id' | 'address'>, epoch: () => bigint, options: ShardClientOptions) {
    this.id = member.id;
    this.address = member.address;
    this.#epoch = epoch;
    this.#timeoutMs = options.requestTimeoutMs;
    this.#grpc = new NodeService(member.address, options.credentials ?? credentials.createInsecure(), {
      ...CLIENT_CHANNEL_OPTIONS,
      // A shard that comes back (a restarted container) may have a new address behind its name.
      'grpc.dns_min_time_between_resolutions_ms': 1_000,
    });
    const grpc = this.#grpc;
    this.#watch(connectivityState.IDLE);
    this.#mux = new PipelineMux(() => grpc.pipeline(), `shard ${member.id} (${member.address})`);
    this.#batcher = new Batcher((ops, requestIds) => this.#execute(ops, requestIds), opSize, { maxInFlight: 16, maxQueued: 50_000 });
  }

  /** One operation, batched with others for this shard; `requestId` goes with its frame, for the shard's logs. */
  submit(op: Op__Output, requestId?: string): Promise<OpResult__Output> {
    this.#outstanding++;
    const result = this.#batcher.submit(op, undefined, requestId);
    result.then(this.#settled, this.#settled);
    return result;
  }

  /** Operations sent to this shard through submit() or executeAlone() and not answered yet. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** Operations waiting for a frame (bounded by the batcher's queue). */
  get queuedOps(): number {
    return this.#batcher.queued;
  }

  /** Batches being sent or awaiting the shard's reply (at most 16). */
  get batchesInFlight(): number {
    return this.#batcher.inFlight;
  }

  /** Frames on the Pipeline stream awaiting the shard's reply. */
  get framesInFlight(): number {
    return this.#mux.inFlight;
  }

  /**
   * One operation as its own unary Node.Execute call, with `extraMs` added to the deadline:
   * for a blocking queue pop, which may wait that long on the shard.
   */
  executeAlone(op: Op__Output, extraMs: number, requestId?: string): Promise<OpResult__Output> {
    this.#outstanding++;
    const result = this.#executeAlone(op, extraMs, requestId);
    result.then(this.#settled, this.#settled);
    return result;
  }

  #executeAlone(op: Op__Output, extraMs: number, requestId?: string): Promise<OpResult__Output> {
    return new Promise((resolve, reject) => {
      this.#checkReachable();
      const deadline = new Date(Date.now() + this.#timeoutMs + extraMs);
      const call = this.#grpc.Execute({ epoch: this.#epoch().toString(), ops: [op] }, requestMetadata(requestId), { deadline }, (err, res) => {
        this.#alone.delete(call);
        // Ended by endBlockingCalls(): the blocking pop answers "no message".
        if (err && this.#endingBlocking) resolve({ ...NO_RESULT });
        else if (err || !res) reject(this.#unavailable(err));
        else if (res.results.length !== 1) reject(new RingKvError(ErrorCode.INTERNAL, `shard ${this.id} answered ${res.results.length} results for 1 op`));
        else resolve(res.results[0]!);
      });
      this.#alone.add(call);
    });
  }

  /**
   * Ends the blocking calls in flight (a router shutting down): the shard stops waiting, and
   * each answers with no result ("no message") instead of holding the drain for its wait.
   */
  endBlockingCalls(): void {
    this.#endingBlocking = true;
    for (const call of [...this.#alone]) call.cancel();
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

  /**
   * Follows the channel's state. Once it has been READY, losing the connection marks the shard
   * unreachable until it is READY again, and keeps the channel reconnecting meanwhile: requests
   * then fail at once with UNAVAILABLE instead of queueing until their deadline (a vanished host
   * does not refuse connections, the attempts just time out).
   */
  #watch(last: connectivityState): void {
    const channel = this.#grpc.getChannel();
    channel.watchConnectivityState(last, Infinity, () => {
      if (this.#closed) return;
      const state = channel.getConnectivityState(false);
      if (state === connectivityState.READY) this.#lostAt = undefined;
      else if (last === connectivityState.READY) this.#lostAt = Date.now();
      if (state === connectivityState.SHUTDOWN) return;
      if (state === connectivityState.IDLE && this.#lostAt !== undefined) channel.getConnectivityState(true);
      this.#watch(state);
    });
  }

  /** UNAVAILABLE if the connection to the shard is lost and not back yet. */
  #checkReachable(): void {
    if (this.#lostAt === undefined) return;
    if (this.#grpc.getChannel().getConnectivityState(true) === connectivityState.READY) return;
    const s = ((Date.now() - this.#lostAt) / 1000).toFixed(1);
    throw new RingKvError(ErrorCode.UNAVAILABLE, `shard ${this.id} (${this.address}) is unreachable (connection lost ${s} s ago)`);
  }

  /** One batch as one frame on the shard's Pipeline stream. */
  async #execute(ops: Op__Output[], requestIds: string[]): Promise<OpResult__Output[]> {
    this.#checkReachable();
    return (await this.#mux.send(ops, Date.now() + this.#timeoutMs, this.#epoch(), requestIds)).results;
  }

  scan(req: NodeScanRequest, requestId?: string): Promise<NodeScanResponse__Output> {
    return new Promise((resolve, reject) => {
      this.#checkReachable();
      this.#grpc.Scan(req, requestMetadata(requestId), { deadline: this.#deadline() }, (err, res) => (err || !res ? reject(this.#unavailable(err)) : resolve(res)));
    });
  }

  getClusterMap(timeoutMs = this.#timeoutMs): Promise<ClusterMap | undefined> {
    return this.#clusterMapReply(timeoutMs).then((res) => (res.map ? clusterMapFromProto(res.map) : undefined));
  }

  /** The node's own id and the map it holds, if any. */
  identify(timeoutMs = this.#timeoutMs): Promise<{ nodeId: string; map: ClusterMap | undefined }> {
    return this.#clusterMapReply(timeoutMs).then((res) => ({ nodeId: res.nodeId, map: res.map ? clusterMapFromProto(res.map) : undefined }));
  }

  /**
   * The coordinator's heartbeat: the node's epoch (its map is not decoded) and the in-sync
   * replicas it (as a primary) could not reach.
   */
  heartbeat(timeoutMs: number, lease?: LeaseGrant): Promise<{ nodeId: string; epoch: bigint; unreachable: string[] }> {
    const request = lease
      ? { grantor: lease.grantor, seq: lease.seq.toString(), confirmedSeq: lease.confirmedSeq.toString(), leaseMs: String(lease.leaseMs) }
      : {};
    return this.#clusterMapReply(timeoutMs, request).then((res) => ({ nodeId: res.nodeId, epoch: BigInt(res.map?.epoch ?? 0), unreachable: res.unreachable }));
  }

  #clusterMapReply(timeoutMs: number, request: object = {}): Promise<ClusterMapReply__Output> {
    return new Promise((resolve, reject) => {
      this.#grpc.GetClusterMap(request, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) => {
        if (err || !res) reject(this.#unavailable(err));
        else resolve(res);
      });
    });
  }

  /** Asks this shard (a primary) to copy the arcs it leads to a replica catching up; resolves to the keys and bytes sent. */
  catchUp(epoch: bigint, targetId: string, rateBytesPerSec: number, signal?: AbortSignal): Promise<{ keys: number; bytes: number }> {
    return new Promise((resolve, reject) => {
      const call = this.#grpc.CatchUp({ epoch: epoch.toString(), targetId, rateBytesPerSec: String(rateBytesPerSec) });
      const onAbort = () => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      const totals = new Map<number, { keys: number; bytes: number }>();
      call.on('data', (p: { keys: string; bytes: string; arcIndex: number }) => {
        totals.set(p.arcIndex, { keys: Number(p.keys), bytes: Number(p.bytes) });
      });
      call.on('error', (err) => {
        signal?.removeEventListener('abort', onAbort);
        reject(this.#unavailable(err));
      });
      call.on('end', () => {
        signal?.removeEventListener('abort', onAbort);
        const sum = [...totals.values()].reduce((a, t) => ({ keys: a.keys + t.keys, bytes: a.bytes + t.bytes }), { keys: 0, bytes: 0 });
        resolve(sum);
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

  stats(timeoutMs = this.#timeoutMs, withoutCounts = false): Promise<NodeStatsResponse__Output> {
    return new Promise((resolve, reject) => {
      this.#grpc.Stats({ withoutCounts }, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) => (err || !res ? reject(this.#unavailable(err)) : resolve(res)));
    });
  }

  /**
   * Asks the source to stream arcs (all to one target) one after another; calls onProgress
   * per batch and per finished arc; resolves to each arc's keys and bytes once all are ingested.
   */
  migrateArcs(
    req: { epoch: bigint; arcs: Array<{ start: number; end: number }>; targetId: string; targetAddress: string; rateBytesPerSec: number },
    onProgress: (arc: number, keys: number, bytes: number) => void,
    signal?: AbortSignal,
  ): Promise<Array<{ keys: number; bytes: number }>> {
    const [first, ...more] = req.arcs;
    if (!first) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const call = this.#grpc.MigrateArc({
        epoch: req.epoch.toString(), start: first.start, end: first.end, moreArcs: more, targetId: req.targetId,
        targetAddress: req.targetAddress, rateBytesPerSec: String(req.rateBytesPerSec),
      });
      const onAbort = () => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      const totals = req.arcs.map(() => ({ keys: 0, bytes: 0, done: false }));
      call.on('data', (p: { keys: string; bytes: string; done: boolean; arcIndex: number }) => {
        const t = totals[p.arcIndex];
        if (!t) return;
        Object.assign(t, { keys: Number(p.keys), bytes: Number(p.bytes), done: t.done || p.done });
        onProgress(p.arcIndex, t.keys, t.bytes);
      });
      call.on('error', (err) => {
        signal?.removeEventListener('abort', onAbort);
        reject(this.#unavailable(err));
      });
      call.on('end', () => {
        signal?.removeEventListener('abort', onAbort);
        if (totals.every((t) => t.done)) resolve(totals.map(({ keys, bytes }) => ({ keys, bytes })));
        else reject(new RingKvError(ErrorCode.UNAVAILABLE, `shard ${this.id}: arc stream ended early`));
      });
    });
  }

  /** Per arc: true when it must be copied again before its hand-off completes. */
  finishHandoff(epoch: bigint, arcs: Array<{ start: number; end: number }>): Promise<boolean[]> {
    return new Promise((resolve, reject) => {
      this.#grpc.FinishHandoff({ epoch: epoch.toString(), arcs: arcs.map(({ start, end }) => ({ start, end })) }, { deadline: this.#deadline() },
        (err, res) => (err || !res ? reject(this.#unavailable(err)) : resolve(res.dirty)));
    });
  }

  estimateArcs(arcs: Array<{ start: number; end: number }>): Promise<Array<{ keys: bigint; bytes: bigint }>> {
    return new Promise((resolve, reject) => {
      this.#grpc.EstimateArcs({ arcs }, { deadline: new Date(Date.now() + 30_000) }, (err, res) => {
        if (err || !res) reject(this.#unavailable(err));
        else resolve(res.keys.map((k, i) => ({ keys: BigInt(k), bytes: BigInt(res.bytes[i] ?? '0') })));
      });
    });
  }

  /** Takes no new work from here on (the caller has a new client); closes once `graceMs` has let what was sent end by its deadline. */
  retire(graceMs: number): void {
    // Whatever is still unanswered then had no reply for longer than its deadline: it is in
    // doubt, which DEADLINE_EXCEEDED says (CLOSED would read as "the caller closed it").
    const late = new RingKvError(ErrorCode.DEADLINE_EXCEEDED, `shard ${this.id}: no reply before the deadline (connection replaced)`);
    setTimeout(() => this.close(late), graceMs).unref();
  }

  close(reason?: RingKvError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#batcher.close(reason ?? new RingKvError(ErrorCode.UNAVAILABLE, `shard ${this.id}: connection closed`));
    this.#mux.close(reason);
    this.#grpc.close();
  }
}

function requestMetadata(requestId: string | undefined): Metadata {
  const md = new Metadata();
  if (requestId) md.set(REQUEST_ID_HEADER, requestId);
  return md;
}
