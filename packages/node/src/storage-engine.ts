import {
  DEFAULT_LIMITS, ErrorCode, HybridLogicalClock, Ownership, RingKvError, asRingKvError, decodeClusterMapJson,
  decodeRecord, encodeDataKey, keyHash, keyOfOp, validateOp,
  type Arc, type ClusterMap, type Logger, type NodeScanResponse, type Op__Output, type OpResult,
  type RawRecord__Output, type SizeLimits,
} from '@ringkv/core';
import { mkdirSync } from 'node:fs';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { LevelStore } from './level-store.js';
import { WriteQueue } from './write-queue.js';
import { applyWriteBatch, type ApplyContext, type Forward, type WriteItem } from './write-apply.js';
import { MigrationSource, type ArcProgress } from './migration-source.js';
import { PeerPool } from './peer-pool.js';
import { lockUpdater } from './locks.js';
import { QueueEngine } from './queue-engine.js';
import { OwnershipFence } from './ownership-fence.js';
import { MapInstaller } from './map-install.js';
import { ReplicationSender } from './replication-sender.js';
import { Housekeeping } from './housekeeping.js';
import { catchUpMoves, copyingMoves, handoffMoves } from './migration-entry.js';
import { countStats, estimateArcs, scanPage, type NodeStats, type ScanRequest } from './data-reads.js';
import { HLC_KEY, MAP_KEY, NODE_ID_KEY, errorResult, readResult } from './storage-format.js';
import { WriteDoubts } from './write-doubts.js';
import { DoubtRepair } from './doubt-repair.js';

export interface StorageEngineOptions {
  nodeId: string;
  dataDir: string;
  limits?: Partial<SizeLimits>;
  /** fsync every write batch (default false: a process crash loses nothing, a machine crash may lose the last writes). */
  sync?: boolean;
  /** How often expired keys and old tombstones are purged. @default 1000 */
  sweepIntervalMs?: number;
  /** How long tombstones are kept before purging. @default 3_600_000 */
  tombstoneGraceMs?: number;
  /** How this node connects to peers (migration targets, replicas). @default plaintext */
  peerCredentials?: ChannelCredentials;
  /**
   * How long a primary waits for a replica to acknowledge a write before it gives up on it
   * (the write fails with UNAVAILABLE and the replica is reported unreachable). @default 2000
   */
  replicationTimeoutMs?: number;
  logger?: Logger;
}

export type EngineStatus = 'opening' | 'open' | 'closing' | 'closed';

export type { NodeStats, ScanRequest } from './data-reads.js';

/**
 * The storage engine of one node. Its public methods check that it is open, validate and
 * fence (OwnershipFence), then do the work: reads through LevelStore, writes through the
 * write queue (write-apply.ts), maps through MapInstaller, replication through
 * ReplicationSender, migrations through MigrationSource, background work in Housekeeping.
 * Storage format (storage-format.ts, core's key and record codecs): data key = 0x01 | hash32
 * BE | key, value = versioned record; deletes write tombstones; metadata (node id, cluster
 * map, clock high-water mark, expiry and tombstone indexes) lives under 0x00.
 */
export class StorageEngine {
  readonly nodeId: string;
  readonly limits: SizeLimits;
  readonly #store: LevelStore;
  readonly #clock = new HybridLogicalClock();
  readonly #writes: WriteQueue<WriteItem>;
  readonly #log: Logger | undefined;
  readonly #peers: PeerPool;
  readonly #fence: OwnershipFence;
  readonly #installer: MapInstaller;
  readonly #replication: ReplicationSender;
  readonly #housekeeping: Housekeeping;
  readonly #migration: MigrationSource;
  readonly #queues: QueueEngine;
  readonly #applyContext: ApplyContext;
  #status: EngineStatus = 'opening';
  /** Keys with a write in the queue: reads of them queue behind it (per-key order across batches). */
  readonly #queuedWrites = new Map<string, number>();
  readonly #forwarding = new Set<Promise<Set<string>>>();
  #stats: { at: number; result: Promise<NodeStats> } | undefined;
  /** Records ingested from migration sources since the engine opened: applied (newer than ours) and skipped. */
  readonly ingested = { applied: 0, skipped: 0 };
  /** See ApplyContext.unreplicated. */
  readonly #unreplicated = new Map<string, Promise<unknown>>();
  /** See WriteDoubts. */
  readonly #doubts = new WriteDoubts();
  readonly #repair: DoubtRepair;

  private constructor(options: StorageEngineOptions) {
    this.nodeId = options.nodeId;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    mkdirSync(options.dataDir, { recursive: true });
    const store = (this.#store = new LevelStore(options.dataDir));
    const logger = (this.#log = options.logger);
    const peers = (this.#peers = new PeerPool(options.peerCredentials));
    const fence = (this.#fence = new OwnershipFence(this.nodeId));
    const ownership = () => fence.ownership;
    this.#writes = new WriteQueue((items) => this.#apply(items));
    this.#migration = new MigrationSource(this.nodeId, store, peers, ownership);
    this.#replication = new ReplicationSender({
      nodeId: this.nodeId, peers, ownership, logger,
      timeoutMs: options.replicationTimeoutMs ?? 2_000,
      installNewer: (map) => this.installClusterMap(map),
    });
    this.#repair = new DoubtRepair({
      nodeId: this.nodeId, doubts: this.#doubts, store, ownership, logger, send: (f) => this.#replication.send(f),
    });
    this.#housekeeping = new Housekeeping({
      nodeId: this.nodeId, store, ownership, logger,
      push: (item) => this.#writes.push(item),
      sweepIntervalMs: options.sweepIntervalMs ?? 1000,
      tombstoneGraceMs: options.tombstoneGraceMs ?? 3_600_000,
    });
    this.#queues = new QueueEngine({
      store,
      update: (key, hash, reqEpoch, update) => new Promise((done) => this.#writes.push({ kind: 'update', key, hash, reqEpoch, update, done })),
      nextId: () => this.#clock.now(),
      fence: (reqEpoch, hash) => fence.check(reqEpoch, hash),
    });
    this.#installer = new MapInstaller({
      nodeId: this.nodeId, store, fence, peers, logger,
      clock: this.#clock,
      housekeeping: this.#housekeeping,
      invalidateQueues: (changed) => this.#queues.invalidate(changed),
      installed: (own) => {
        this.#doubts.settle(own, this.nodeId);
        this.#repair.schedule(0);
      },
      barrier: () => this.barrier(),
    });
    this.#applyContext = {
      store,
      clock: this.#clock,
      sync: options.sync ?? false,
      nodeId: this.nodeId,
      fence: (reqEpoch, hash) => fence.check(reqEpoch, hash),
      ownership,
      forward: (forwards) => this.#forward(forwards),
      unreplicated: this.#unreplicated,
      doubts: this.#doubts,
    };
  }

  static async open(options: StorageEngineOptions): Promise<StorageEngine> {
    const engine = new StorageEngine(options);
    await engine.#open();
    return engine;
  }

  async #open(): Promise<void> {
    await this.#store.open();
    try {
      const storedId = (await this.#store.get(NODE_ID_KEY))?.toString('utf8');
      if (storedId !== undefined && storedId !== this.nodeId) {
        throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `data dir belongs to node "${storedId}", not "${this.nodeId}"`);
      }
      if (storedId === undefined) await this.#store.batch([{ type: 'put', key: NODE_ID_KEY, value: Buffer.from(this.nodeId) }], true);
      const mapJson = await this.#store.get(MAP_KEY);
      if (mapJson) this.#fence.enforce(new Ownership(decodeClusterMapJson(mapJson.toString('utf8'))));
      this.#fence.settle(this.#fence.epoch);
      const hlc = await this.#store.get(HLC_KEY);
      if (hlc) this.#clock.observe(hlc.readBigUInt64BE(0));
    } catch (err) {
      await this.#store.close();
      throw err;
    }
    this.#status = 'open';
    this.#housekeeping.start();
  }

  get status(): EngineStatus {
    return this.#status;
  }

  get clusterMap(): ClusterMap | undefined {
    return this.#fence.ownership?.map;
  }

  get epoch(): bigint {
    return this.#fence.epoch;
  }

  /** Keys in doubt now, and what repair rounds did (WriteDoubts, DoubtRepair). */
  get doubtStats(): { keys: number; rounds: number; settled: number } {
    return { keys: this.#doubts.size, ...this.#repair.stats };
  }

  /** The primary lease (OwnershipFence.heartbeat / replied / lease). */
  get leaseFence(): Pick<OwnershipFence, 'heartbeat' | 'replied' | 'lease'> {
    return this.#fence;
  }

  /** The newest epoch whose install completed (see ClusterMapReply.settled_epoch). */
  get settledEpoch(): bigint {
    return this.#fence.settledEpoch;
  }

  /** The version clock's high-water mark (see ClusterMapReply.clock). */
  get clockHighWater(): bigint {
    return this.#clock.last;
  }

  get writeQueueDepth(): number {
    return this.#writes.depth;
  }

  /** Records this node sent to migration targets since it opened (see MigrationSource.sent). */
  get migrationSent(): Readonly<MigrationSource['sent']> {
    return this.#migration.sent;
  }

  /** Records this node replicated to other replicas (per replica) since it opened. */
  get replicated(): ReplicationSender['replicated'] {
    return this.#replication.replicated;
  }

  /** Replicas this node could not reach at its current epoch (see ClusterMapReply.unreachable). */
  unreachableReplicas(): string[] {
    return this.#replication.unreachableReplicas();
  }

  /** Messages in the in-memory queue indexes (see QueueEngine.indexedMessages). */
  queueIndexedMessages(): { queues: number; queued: number; deadLetters: number } {
    return this.#queues.indexedMessages();
  }

  #checkOpen(): void {
    if (this.#status !== 'open') throw new RingKvError(ErrorCode.UNAVAILABLE, `storage engine is ${this.#status}`);
  }

  /** The map in force, when it is at `reqEpoch` or later: a request from a newer epoch gets WRONG_OWNER (its sender then pushes its map). */
  #mapAt(reqEpoch: bigint, detail = ''): Ownership {
    const own = this.#fence.ownership;
    if (!own || own.epoch < reqEpoch) {
      throw new RingKvError(ErrorCode.WRONG_OWNER, `node ${this.nodeId} is at epoch ${own?.epoch ?? 0n}${detail}`, { epoch: own?.epoch ?? 0n });
    }
    return own;
  }

  /** Resolves once every write queued before it has been applied and forwarded. */
  async barrier(): Promise<void> {
    await new Promise((done) => this.#writes.push({ kind: 'barrier', done }));
    if (this.#forwarding.size > 0) await Promise.all([...this.#forwarding]);
  }

  /** Forwards to migration targets and replicas, tracked so that barriers wait for them. */
  #forward(forwards: Forward[]): Promise<Set<string>> {
    const p = this.#migration.forward(forwards, (f) => this.#replication.send(f));
    this.#forwarding.add(p);
    void p.finally(() => this.#forwarding.delete(p));
    return p;
  }

  /**
   * Installs a newer map of the same cluster; returns the map now in force. On a source whose
   * arcs start copying or hand-off, resolves after a write barrier, so every write decided
   * under the old map has been applied and forwarded (see MapInstaller).
   */
  async installClusterMap(map: ClusterMap): Promise<ClusterMap> {
    this.#checkOpen();
    return this.#installer.install(map);
  }

  /** Runs a batch of operations; each result stands alone, in request order. */
  async execute(reqEpoch: bigint, ops: Op__Output[], signal?: AbortSignal): Promise<OpResult[]> {
    this.#checkOpen();
    const gate = this.#fence.writeGate;
    if (gate && ops.some((op) => op.op !== 'get')) await gate;
    const results: OpResult[] = new Array(ops.length);
    const readIdx: number[] = [];
    const readKeys: Buffer[] = [];
    const replicaReads = new Set<number>();
    const writes: Promise<void>[] = [];
    ops.forEach((op, i) => {
      const invalid = validateOp(op, this.limits);
      if (invalid) {
        results[i] = errorResult(invalid);
        return;
      }
      const key = keyOfOp(op)!;
      const hash = keyHash(key);
      const replicaRead = op.op === 'get' && op.get!.readFrom === 'replica' && !this.#fence.owns(hash);
      const fenced = replicaRead ? this.#fence.checkReplicaRead(reqEpoch, hash) : this.#fence.check(reqEpoch, hash);
      if (fenced) {
        results[i] = fenced;
        return;
      }
      if (op.op === 'queue') {
        writes.push(this.#queues.run(op.queue!, hash, reqEpoch, signal).then((r) => {
          results[i] = r;
        }));
        return;
      }
      const id = key.toString('latin1');
      if (replicaRead || (op.op === 'get' && !this.#queuedWrites.has(id))) {
        if (replicaRead) replicaReads.add(i);
        readIdx.push(i);
        readKeys.push(encodeDataKey(key, hash));
      } else {
        const isWrite = op.op !== 'get';
        if (isWrite) this.#queuedWrites.set(id, (this.#queuedWrites.get(id) ?? 0) + 1);
        writes.push(new Promise<OpResult>((done) => this.#writes.push(op.op === 'lock'
          ? { kind: 'update', key, hash, reqEpoch, update: lockUpdater(op.lock!), done }
          : { kind: op.op as 'put' | 'delete' | 'get', op, key, hash, reqEpoch, done })).then((r) => {
          results[i] = r;
          if (isWrite) {
            const n = this.#queuedWrites.get(id)! - 1;
            if (n === 0) this.#queuedWrites.delete(id);
            else this.#queuedWrites.set(id, n);
          }
        }));
      }
    });
    if (readKeys.length > 0) {
      const fencedBy = this.#fence.ownership;
      const values = await this.#store.getMany(readKeys);
      const now = Date.now();
      // A map installed meanwhile may have handed a key's arc away (and its range may be
      // being deleted): fence those reads again rather than answer from a stale view.
      const refence = this.#fence.ownership !== fencedBy;
      values.forEach((raw, j) => {
        const i = readIdx[j]!;
        const h = readKeys[j]!.readUInt32BE(1);
        const again = !refence ? undefined : replicaReads.has(i) ? this.#fence.checkReplicaRead(reqEpoch, h) : this.#fence.check(reqEpoch, h);
        const replica = again || this.#doubts.empty || replicaReads.has(i) ? undefined
          : this.#doubts.blocking(readKeys[j]!.toString('latin1'), h, this.#fence.ownership);
        results[i] = again ?? (replica !== undefined ? WriteDoubts.result(this.nodeId, replica) : readResult(raw, now));
      });
    }
    if (writes.length > 0) await Promise.all(writes);
    return results;
  }

  async #apply(items: WriteItem[]): Promise<void> {
    try {
      await applyWriteBatch(items, this.#applyContext);
    } catch (err) {
      const e = asRingKvError(err);
      this.#log?.error({ err: e }, 'write batch failed');
      for (const item of items) item.done(errorResult(e));
    }
  }

  /**
   * Last-writer-wins ingest of records: on a migration target, for arcs moving here; on a
   * replica catching up, from the arcs' primary; with `replicate`, on an in-sync (or
   * catching-up) replica, from the arcs' primary at this node's epoch, so a deposed primary
   * is refused as soon as this node has the map that deposed it.
   */
  async ingest(reqEpoch: bigint, from: string, records: RawRecord__Output[], replicate = false): Promise<{ applied: number; skipped: number }> {
    this.#checkOpen();
    const own = this.#mapAt(reqEpoch, `, sender at ${reqEpoch}`);
    const items = records.map((r) => {
      if (r.key.length === 0) throw new RingKvError(ErrorCode.INVALID_ARGUMENT, 'ingest of an empty key');
      const hash = keyHash(r.key);
      if (!this.#fence.acceptsIngest(from, hash, replicate)) {
        throw new RingKvError(ErrorCode.WRONG_OWNER, replicate
          ? `node ${this.nodeId} is not an in-sync replica of this key with primary ${from} at epoch ${own.epoch}`
          : `node ${this.nodeId} is not receiving the arc of this key from ${from} at epoch ${own.epoch}`, { epoch: own.epoch });
      }
      return { hash, storageKey: encodeDataKey(r.key, hash), record: decodeRecord(r.record) };
    });
    if (items.length === 0) return { applied: 0, skipped: 0 };
    return new Promise((resolve) => {
      let left = items.length;
      let applied = 0;
      const done = (r: OpResult) => {
        if (r.found) applied++;
        if (--left === 0) {
          this.ingested.applied += applied;
          this.ingested.skipped += items.length - applied;
          resolve({ applied, skipped: items.length - applied });
        }
      };
      for (const it of items) this.#writes.push({ kind: 'ingest', ...it, done });
    });
  }

  /** Source side of a migration: streams snapshots of `arcs` to their target. */
  migrateArcs(reqEpoch: bigint, arcs: Arc[], targetId: string, rateBytesPerSec: number, signal: AbortSignal): AsyncGenerator<ArcProgress> {
    this.#checkOpen();
    const own = this.#mapAt(reqEpoch);
    const moves = copyingMoves(own, this.nodeId, arcs, targetId);
    const address = own.addressOf(targetId);
    if (!address) throw new RingKvError(ErrorCode.UNKNOWN_SHARD, `no shard ${targetId} at epoch ${own.epoch}`);
    return this.#migration.snapshot(moves, targetId, address, own.epoch, rateBytesPerSec, () => this.barrier(), signal);
  }

  /**
   * Replication, primary side: streams a snapshot of every arc this node leads and `targetId`
   * (catching up at this node's epoch) replicates. New writes reach it meanwhile through
   * replication, so once the stream ends it holds every write of those arcs.
   */
  catchUp(reqEpoch: bigint, targetId: string, rateBytesPerSec: number, signal: AbortSignal): AsyncGenerator<ArcProgress> {
    this.#checkOpen();
    const own = this.#mapAt(reqEpoch);
    const moves = catchUpMoves(own, this.nodeId, reqEpoch, targetId);
    return this.#migration.snapshot(moves, targetId, own.addressOf(targetId)!, own.epoch, rateBytesPerSec, () => this.barrier(), signal);
  }

  /** Once the arcs are in hand-off here: for each, whether it must be copied again. */
  async finishHandoff(reqEpoch: bigint, arcs: Arc[]): Promise<boolean[]> {
    this.#checkOpen();
    const moves = handoffMoves(this.#fence.ownership, this.nodeId, reqEpoch, arcs);
    await this.barrier();
    // Dirty for some target; an arc whose move copies nothing (only its primary changes) never is.
    return arcs.map((arc, i) => this.#migration.isDirty(arc, moves[i]!.targets));
  }

  /** Live keys and bytes held in each arc. */
  async estimate(arcs: Arc[]): Promise<Array<{ keys: number; bytes: number }>> {
    this.#checkOpen();
    return estimateArcs(this.#store, arcs);
  }

  /** Keys this node serves after `after`, in ring order (see NodeScanRequest). */
  async scan(req: ScanRequest): Promise<NodeScanResponse> {
    this.#checkOpen();
    const own = this.#fence.ownership;
    if (!own) throw new RingKvError(ErrorCode.WRONG_OWNER, `node ${this.nodeId} has no cluster map yet`, { epoch: 0n });
    if (req.epoch > own.epoch) {
      throw new RingKvError(ErrorCode.WRONG_OWNER, `node ${this.nodeId} is at epoch ${own.epoch}, request at ${req.epoch}`, { epoch: own.epoch });
    }
    // As for key reads: a primary without its lease (a failover may be under way) answers
    // nothing, before or after reading the page; a page that holds a key in doubt neither.
    this.#assertLeased();
    const page = await scanPage(this.#store, own, this.nodeId, req, this.#doubts.empty ? undefined : (sk, hash) => {
      const replica = this.#doubts.blocking(sk.toString('latin1'), hash, own);
      return replica === undefined ? undefined : WriteDoubts.error(this.nodeId, replica);
    });
    this.#assertLeased();
    return page;
  }

  #assertLeased(): void {
    const lapsed = this.#fence.leaseLapsed();
    if (lapsed) throw lapsed;
  }

  /**
   * Counts what the node holds (see countStats). It scans the data, so callers within 50 ms
   * of each other share one scan (status polls from many watchers do not pile up scans).
   */
  stats(): Promise<NodeStats> {
    this.#checkOpen();
    const shared = this.#stats;
    if (shared && Date.now() - shared.at < 50) return shared.result;
    const entry = { at: Date.now(), result: countStats(this.#store) };
    this.#stats = entry;
    void entry.result.finally(() => {
      if (this.#stats === entry) this.#stats = undefined;
    }).catch(() => undefined);
    return entry.result;
  }

  /** Ends blocking queue pops now (they answer with no message): for a graceful shutdown. */
  endBlockingCalls(): void {
    this.#queues.close();
  }

  /** Finishes queued writes and the housekeeping in progress, then closes the database. Idempotent. */
  async close(): Promise<void> {
    if (this.#status === 'closing' || this.#status === 'closed') return;
    this.#status = 'closing';
    const housekeeping = this.#housekeeping.close();
    this.#queues.close();
    await this.#writes.idle();
    await housekeeping;
    await this.#writes.idle();
    await this.#repair.close();
    this.#migration.close();
    this.#peers.close();
    await this.#store.close();
    this.#status = 'closed';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
