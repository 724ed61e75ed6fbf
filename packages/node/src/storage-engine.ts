import {
  ArcState, DATA_END, DEFAULT_LIMITS, ErrorCode, NODE_SCAN_BUDGET_BYTES, HybridLogicalClock, Ownership, RingKvError, allMembers, arcRanges,
  asRingKvError, dataKeyAtHash, dataRangeOfHashes, decodeClusterMapJson, decodeRecord, encodeClusterMapJson,
  encodeDataKey, isLive, isSystemKey, keyHash, keyOfOp, validateOp,
  type Arc, type ArcMoveState, type ClusterMap, type Entry, type Logger, type NodeScanResponse, type Op__Output, type OpResult,
  type RawRecord__Output, type SizeLimits,
} from '@ringkv/core';
import { mkdirSync } from 'node:fs';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { LevelStore } from './level-store.js';
import { WriteQueue } from './write-queue.js';
import { applyWriteBatch, type Forward, type WriteItem } from './write-apply.js';
import { MigrationSource, type ArcProgress } from './migration-source.js';
import { PeerPool } from './peer-pool.js';
import { lockUpdater } from './locks.js';
import { QueueEngine } from './queue-engine.js';
import {
  EXPIRY_INDEX, HLC_KEY, MAP_KEY, NODE_ID_KEY, TOMBSTONE_INDEX, errorResult, indexBound, readResult, storageKeyOfIndexKey,
} from './storage-format.js';

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

export interface NodeStats {
  keys: number;
  bytes: number;
  tombstones: number;
  records: number;
}

export interface ScanRequest {
  epoch: bigint;
  after: Buffer;
  prefix: Buffer;
  limit: number;
  maxExamined: number;
}

/**
 * The storage engine of one node: validates and fences every operation, then does its I/O
 * through LevelStore. Storage format (DESIGN.md): data key = 0x01 | hash32 BE | key, value =
 * versioned record; deletes write tombstones; metadata (node id, cluster map, clock
 * high-water mark, expiry and tombstone indexes) lives under 0x00.
 */
export class StorageEngine {
  readonly nodeId: string;
  readonly limits: SizeLimits;
  readonly #store: LevelStore;
  readonly #clock = new HybridLogicalClock();
  readonly #writes: WriteQueue<WriteItem>;
  readonly #sync: boolean;
  readonly #tombstoneGraceMs: number;
  readonly #log: Logger | undefined;
  readonly #peers: PeerPool;
  readonly #migration: MigrationSource;
  readonly #queues: QueueEngine;
  #status: EngineStatus = 'opening';
  #own: Ownership | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeping = false;
  #cleanup: Promise<void> | undefined;
  /** Keys with a write in the queue: reads of them queue behind it (per-key order across batches). */
  readonly #queuedWrites = new Map<string, number>();
  readonly #forwarding = new Set<Promise<Set<string>>>();
  #installs: Promise<unknown> = Promise.resolve();
  #stats: { at: number; result: Promise<NodeStats> } | undefined;
  readonly #cleanupQueue: Arc[] = [];
  /** Records ingested from migration sources since the engine opened: applied (newer than ours) and skipped. */
  readonly ingested = { applied: 0, skipped: 0 };
  /** Records this node replicated to other replicas (per replica) since it opened. */
  readonly replicated = { records: 0, failures: 0 };
  readonly #replicationTimeoutMs: number;
  /** In-sync replicas a replication to failed: id -> the epoch and time of the failure. */
  readonly #unreachable = new Map<string, { epoch: bigint; at: number }>();
  #settledEpoch = 0n;
  /** Set while a promoted primary raises its clock past its replicas' (see #syncClock). */
  #clockSync: Promise<void> | undefined;
  /** See ApplyContext.unreplicated. */
  readonly #unreplicated = new Map<string, Promise<unknown>>();

  private constructor(options: StorageEngineOptions) {
    this.nodeId = options.nodeId;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    mkdirSync(options.dataDir, { recursive: true });
    this.#store = new LevelStore(options.dataDir);
    this.#sync = options.sync ?? false;
    this.#tombstoneGraceMs = options.tombstoneGraceMs ?? 3_600_000;
    this.#log = options.logger;
    this.#peers = new PeerPool(options.peerCredentials);
    this.#replicationTimeoutMs = options.replicationTimeoutMs ?? 2_000;
    this.#writes = new WriteQueue((items) => this.#apply(items));
    this.#migration = new MigrationSource(this.nodeId, this.#store, this.#peers, () => this.#own);
    this.#queues = new QueueEngine({
      store: this.#store,
      update: (key, hash, reqEpoch, update) => new Promise((done) => this.#writes.push({ kind: 'update', key, hash, reqEpoch, update, done })),
      nextId: () => this.#clock.now(),
      fence: (reqEpoch, hash) => this.#fence(reqEpoch, hash),
    });
  }

  static async open(options: StorageEngineOptions): Promise<StorageEngine> {
    const engine = new StorageEngine(options);
    await engine.#open(options.sweepIntervalMs ?? 1000);
    return engine;
  }

  async #open(sweepIntervalMs: number): Promise<void> {
    await this.#store.open();
    try {
      const storedId = (await this.#store.get(NODE_ID_KEY))?.toString('utf8');
      if (storedId !== undefined && storedId !== this.nodeId) {
        throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `data dir belongs to node "${storedId}", not "${this.nodeId}"`);
      }
      if (storedId === undefined) await this.#store.batch([{ type: 'put', key: NODE_ID_KEY, value: Buffer.from(this.nodeId) }], true);
      const mapJson = await this.#store.get(MAP_KEY);
      if (mapJson) this.#own = new Ownership(decodeClusterMapJson(mapJson.toString('utf8')));
      this.#settledEpoch = this.#own?.epoch ?? 0n;
      const hlc = await this.#store.get(HLC_KEY);
      if (hlc) this.#clock.observe(hlc.readBigUInt64BE(0));
    } catch (err) {
      await this.#store.close();
      throw err;
    }
    this.#status = 'open';
    this.#sweepTimer = setInterval(() => void this.#sweep(), sweepIntervalMs);
    this.#sweepTimer.unref();
    this.#scheduleCleanup(undefined);
  }

  get status(): EngineStatus {
    return this.#status;
  }

  get clusterMap(): ClusterMap | undefined {
    return this.#own?.map;
  }

  get epoch(): bigint {
    return this.#own?.epoch ?? 0n;
  }

  get writeQueueDepth(): number {
    return this.#writes.depth;
  }

  /** Records this node sent to migration targets since it opened (see MigrationSource.sent). */
  get migrationSent(): Readonly<MigrationSource['sent']> {
    return this.#migration.sent;
  }

  /** Messages in the in-memory queue indexes (see QueueEngine.indexedMessages). */
  queueIndexedMessages(): { queues: number; queued: number; deadLetters: number } {
    return this.#queues.indexedMessages();
  }

  #checkOpen(): void {
    if (this.#status !== 'open') throw new RingKvError(ErrorCode.UNAVAILABLE, `storage engine is ${this.#status}`);
  }

  /** Resolves once every write queued before it has been applied and forwarded. */
  async barrier(): Promise<void> {
    await new Promise((done) => this.#writes.push({ kind: 'barrier', done }));
    if (this.#forwarding.size > 0) await Promise.all([...this.#forwarding]);
  }

  /** Forwards to migration targets and replicas, tracked so that barriers wait for them. */
  #forward(forwards: Forward[]): Promise<Set<string>> {
    const p = this.#migration.forward(forwards, (f) => this.#replicate(f));
    this.#forwarding.add(p);
    void p.finally(() => this.#forwarding.delete(p));
    return p;
  }

  /**
   * Sends writes of arcs this node leads to one replica. A replica behind our epoch gets our
   * map and the records again; a replica ahead of it (we may have been deposed) makes us
   * fetch its map. A replica that does not answer is remembered as unreachable: reported to
   * the coordinating router (GetClusterMap), and failed at once for a second, until the
   * router drops it from the in-sync set (a new epoch) or it answers again.
   */
  async #replicate(f: Forward): Promise<void> {
    const own = this.#own;
    const address = own?.addressOf(f.targetId);
    if (!own || !address) throw new RingKvError(ErrorCode.UNKNOWN_SHARD, `no shard ${f.targetId} in the cluster map`);
    const suspect = this.#unreachable.get(f.targetId);
    if (suspect && suspect.epoch === f.epoch && Date.now() - suspect.at < 1_000) {
      this.replicated.failures++;
      throw new RingKvError(ErrorCode.UNAVAILABLE, `replica ${f.targetId} did not answer in the last second`);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#peers.ingest(address, f.epoch, this.nodeId, f.records, true, this.#replicationTimeoutMs);
        this.#unreachable.delete(f.targetId);
        this.replicated.records += f.records.length;
        return;
      } catch (err) {
        const e = asRingKvError(err);
        if (e.code === ErrorCode.WRONG_OWNER && e.epoch !== undefined && e.epoch < own.epoch && attempt === 0) {
          const ok = await this.#peers.updateClusterMap(address, own.map, this.#replicationTimeoutMs).then(() => true, () => false);
          if (ok) continue;
        } else if (e.code === ErrorCode.WRONG_OWNER && e.epoch !== undefined && e.epoch > own.epoch) {
          // Not awaited: installing waits for the forwards in flight, this one included.
          void this.#peers.getClusterMap(address, this.#replicationTimeoutMs)
            .then((theirs) => theirs && this.installClusterMap(theirs)).catch(() => undefined);
        } else if (e.code !== ErrorCode.WRONG_OWNER) {
          this.#unreachable.set(f.targetId, { epoch: f.epoch, at: Date.now() });
          // A new connection next time: an old one may be stuck in TCP retransmission backoff.
          if (e.code === ErrorCode.DEADLINE_EXCEEDED || e.code === ErrorCode.UNAVAILABLE) this.#peers.reset(address);
          this.#log?.warn({ replica: f.targetId, err: e.message, epoch: f.epoch.toString() }, 'replication failed: asking for the replica to be dropped from the in-sync set');
        }
        this.replicated.failures++;
        throw e;
      }
    }
  }

  /** Replicas this node could not reach at its current epoch (see ClusterMapReply.unreachable). */
  unreachableReplicas(): string[] {
    const own = this.#own;
    if (!own) return [];
    const now = Date.now();
    return [...this.#unreachable].filter(([id, u]) => u.epoch === own.epoch && now - u.at < 30_000 && own.replicaState(id) !== 'out_of_sync')
      .map(([id]) => id);
  }

  /**
   * Installs a newer map of the same cluster; returns the map now in force. On a source whose
   * arcs start copying or hand-off, resolves after a write barrier, so every write decided
   * under the old map has been applied and forwarded.
   */
  async installClusterMap(map: ClusterMap): Promise<ClusterMap> {
    this.#checkOpen();
    // One install at a time, so an older map can never be persisted after a newer one.
    const run = this.#installs.then(() => this.#install(map));
    this.#installs = run.catch(() => undefined);
    return run;
  }

  async #install(map: ClusterMap): Promise<ClusterMap> {
    const current = this.#own?.map;
    if (current && current.clusterId !== map.clusterId) {
      throw new RingKvError(ErrorCode.INVALID_ARGUMENT,
        `node ${this.nodeId} belongs to cluster ${current.clusterId}, not ${map.clusterId}`);
    }
    if (current && map.epoch === current.epoch && encodeClusterMapJson(map) !== encodeClusterMapJson(current)) {
      // Two coordinators committed different maps at one epoch: refuse, so neither is mistaken for the other.
      throw new RingKvError(ErrorCode.CONFLICT, `node ${this.nodeId} already holds a different map at epoch ${map.epoch}`, { epoch: map.epoch });
    }
    if (current && map.epoch <= current.epoch) return current;
    const own = new Ownership(map);
    const previous = this.#own;
    const before = new Map(previous?.map.migrations.map((m) => [`${m.start}:${m.end}`, m.state]) ?? []);
    // A replica that starts catching up clears what it replicates, for the same reason as a
    // migration target (below): the primaries then copy it back. Done before the map is
    // saved and in force, so no copied record can be cleared, and a crash meanwhile redoes it
    // (the coordinating router sends this map here first).
    const since = (o: Ownership | undefined) => o?.map.replicaStates.find((r) => r.id === this.nodeId)?.since ?? 0n;
    if (own.replicaState(this.nodeId) === 'catching_up'
      && (previous?.replicaState(this.nodeId) !== 'catching_up' || since(previous) !== since(own))) {
      await this.#clearRanges(replicatedArcs(own, this.nodeId, () => true));
    }
    // Promoted (a failover made this node the primary of arcs it did not lead): versions start
    // above every version the other in-sync replicas hold, so an unacknowledged write the old
    // primary stamped and left on one of them cannot win over this node's acknowledged ones.
    const promoted = previous !== undefined && !sameReplicaStates(previous.map, map)
      && [...own.intervals()].some((iv) => iv.owner === this.nodeId && previous.ownerOf(iv.end) !== this.nodeId);
    // Writes wait (reads do not) until the clock is past the other in-sync replicas' clocks:
    // the gate is up before the map is in force and comes down once #syncClock is done.
    let openGate = (): void => undefined;
    if (promoted) {
      const gate = new Promise<void>((resolve) => {
        openGate = resolve;
      });
      this.#clockSync = gate;
      void gate.then(() => {
        if (this.#clockSync === gate) this.#clockSync = undefined;
      });
    }
    try {
      await this.#installPublished(map, own, previous, before);
    } finally {
      if (promoted) void this.#syncClock(own).finally(openGate);
    }
    return map;
  }

  /** The rest of an install: save the map, put it in force, clear incoming arcs, barrier, cleanup. */
  async #installPublished(map: ClusterMap, own: Ownership, previous: Ownership | undefined, before: Map<string, string>): Promise<void> {
    const startsCopying = (m: ArcMoveState) => m.state === ArcState.COPYING && before.get(`${m.start}:${m.end}`) !== ArcState.COPYING;
    await this.#store.batch([{ type: 'put', key: MAP_KEY, value: Buffer.from(encodeClusterMapJson(map)) }], true);
    this.#own = own;
    // Queue indexes are rebuilt from storage where arcs arrived, left or changed state.
    this.#queues.invalidate((h) => !previous || previous.ownerOf(h) !== own.ownerOf(h)
      || previous.moveOf(h)?.state !== own.moveOf(h)?.state || previous.moveOf(h)?.to !== own.moveOf(h)?.to);
    this.#log?.info({ epoch: map.epoch.toString(), migrations: map.migrations.length }, 'cluster map installed');
    // A target starts every copy of an arc from empty: whatever it still holds there (an
    // earlier attempt, or the days it owned the arc before) could hold values whose deletes
    // the source has since purged, and last-writer-wins could not undo them. Targets get the
    // COPYING epoch before sources, so nothing is forwarded before this is done.
    const incoming = map.migrations.filter((m) => m.targets.includes(this.nodeId) && startsCopying(m));
    if (incoming.length > 0) await this.#clearRanges(incoming);
    // Only a source that starts forwarding (COPYING) or refusing (HANDOFF) an arc must wait
    // for the writes decided under the old map; everyone else answers at once.
    const sourceChanged = map.migrations.some((m) => m.from === this.nodeId && before.get(`${m.start}:${m.end}`) !== m.state
      && (m.state === ArcState.COPYING || m.state === ArcState.HANDOFF));
    // A replica promoted to primary first applies the replicated writes it accepted under the
    // old map; a deposed primary finishes the forwards it started.
    const replicasChanged = !previous || !sameReplicaStates(previous.map, map)
      || previous.map.replicationFactor !== map.replicationFactor;
    if (sourceChanged || replicasChanged) await this.barrier();
    this.#scheduleCleanup(previous);
    this.#peers.retain(allMembers(map).map((m) => m.address));
    this.#settledEpoch = map.epoch;
  }

  /**
   * Observes the clocks of the other in-sync replicas once they have settled `own`'s epoch
   * (by then they refuse the old primary and applied what they took from it). Best effort,
   * at most about 1.5 s: an unreachable replica is being dropped anyway.
   */
  async #syncClock(own: Ownership): Promise<void> {
    const peers = allMembers(own.map).filter((m) => m.id !== this.nodeId && own.replicaState(m.id) === 'in_sync');
    const until = Date.now() + 1_500;
    await Promise.all(peers.map(async (m) => {
      while (Date.now() < until) {
        try {
          const { epoch, clock } = await this.#peers.clockOf(m.address, 500);
          if (epoch >= own.epoch) {
            this.#clock.observe(clock);
            return;
          }
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    }));
  }

  /** The newest epoch whose install completed (see ClusterMapReply.settled_epoch). */
  get settledEpoch(): bigint {
    return this.#settledEpoch;
  }

  /** The version clock's high-water mark (see ClusterMapReply.clock). */
  get clockHighWater(): bigint {
    return this.#clock.last;
  }

  /** Deletes every record in the arcs (tombstones included), in batches. */
  async #clearRanges(arcs: Arc[]): Promise<void> {
    let cleared = 0;
    for (const arc of arcs) {
      for (const [from, to] of arcRanges(arc)) {
        let batch: Array<{ type: 'del'; key: Buffer }> = [];
        for await (const [sk] of this.#store.entries(dataRangeOfHashes(from, to))) {
          batch.push({ type: 'del', key: Buffer.from(sk) });
          if (batch.length >= 1000) {
            await this.#store.batch(batch, false);
            cleared += batch.length;
            batch = [];
          }
        }
        if (batch.length > 0) await this.#store.batch(batch, false);
        cleared += batch.length;
      }
    }
    if (cleared > 0) this.#log?.info({ cleared, arcs: arcs.length }, 'cleared incoming arcs before copying');
  }

  /** The ownership fence: undefined if this node may serve `hash` for a request at `reqEpoch`. */
  #fence(reqEpoch: bigint, hash: number): OpResult | undefined {
    const own = this.#own;
    if (!own) return errorResult(new RingKvError(ErrorCode.WRONG_OWNER, `node ${this.nodeId} has no cluster map yet`), 0n);
    if (reqEpoch > own.epoch) {
      return errorResult(new RingKvError(ErrorCode.WRONG_OWNER,
        `node ${this.nodeId} is at epoch ${own.epoch}, request at ${reqEpoch}`), own.epoch);
    }
    const owner = own.ownerOf(hash);
    if (owner !== this.nodeId) {
      return errorResult(new RingKvError(ErrorCode.WRONG_OWNER,
        `key belongs to ${owner} at epoch ${own.epoch}, not ${this.nodeId}`), own.epoch);
    }
    // No in-sync replica (only a coordinator bug could commit that): nobody may serve it.
    if (own.map.replicaStates.length > 0 && own.replicaState(this.nodeId) !== 'in_sync') {
      return errorResult(new RingKvError(ErrorCode.UNAVAILABLE, `no in-sync replica of this key at epoch ${own.epoch}`), own.epoch);
    }
    const move = own.moveOf(hash);
    if (move && move.state === ArcState.HANDOFF && move.from === this.nodeId) {
      return errorResult(new RingKvError(ErrorCode.TRY_AGAIN, `arc is being handed off to ${move.to}`), own.epoch);
    }
    return undefined;
  }

  /** The fence of a replica read: any in-sync replica of `hash` may answer. */
  #fenceReplicaRead(reqEpoch: bigint, hash: number): OpResult | undefined {
    const own = this.#own;
    if (!own || reqEpoch > own.epoch || own.ownerOf(hash) === this.nodeId) return this.#fence(reqEpoch, hash);
    if (!own.inSyncOf(hash).includes(this.nodeId)) {
      return errorResult(new RingKvError(ErrorCode.WRONG_OWNER,
        `node ${this.nodeId} is not an in-sync replica of this key at epoch ${own.epoch}`), own.epoch);
    }
    return undefined;
  }

  /** Runs a batch of operations; each result stands alone, in request order. */
  async execute(reqEpoch: bigint, ops: Op__Output[], signal?: AbortSignal): Promise<OpResult[]> {
    this.#checkOpen();
    if (this.#clockSync && ops.some((op) => op.op !== 'get')) await this.#clockSync;
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
      const replicaRead = op.op === 'get' && op.get!.readFrom === 'replica' && this.#own?.ownerOf(hash) !== this.nodeId;
      const fenced = replicaRead ? this.#fenceReplicaRead(reqEpoch, hash) : this.#fence(reqEpoch, hash);
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
      const fencedBy = this.#own;
      const values = await this.#store.getMany(readKeys);
      const now = Date.now();
      // A map installed meanwhile may have handed a key's arc away (and its range may be
      // being deleted): fence those reads again rather than answer from a stale view.
      const refence = this.#own !== fencedBy;
      values.forEach((raw, j) => {
        const i = readIdx[j]!;
        const h = readKeys[j]!.readUInt32BE(1);
        const again = !refence ? undefined : replicaReads.has(i) ? this.#fenceReplicaRead(reqEpoch, h) : this.#fence(reqEpoch, h);
        results[i] = again ?? readResult(raw, now);
      });
    }
    if (writes.length > 0) await Promise.all(writes);
    return results;
  }

  async #apply(items: WriteItem[]): Promise<void> {
    try {
      await applyWriteBatch(items, {
        store: this.#store,
        clock: this.#clock,
        sync: this.#sync,
        nodeId: this.nodeId,
        fence: (epoch, hash) => this.#fence(epoch, hash),
        ownership: () => this.#own,
        forward: (forwards) => this.#forward(forwards),
        unreplicated: this.#unreplicated,
      });
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
    const own = this.#own;
    if (!own || own.epoch < reqEpoch) {
      throw new RingKvError(ErrorCode.WRONG_OWNER, `node ${this.nodeId} is at epoch ${own?.epoch ?? 0n}, sender at ${reqEpoch}`,
        { epoch: own?.epoch ?? 0n });
    }
    const items = records.map((r) => {
      if (r.key.length === 0) throw new RingKvError(ErrorCode.INVALID_ARGUMENT, 'ingest of an empty key');
      const hash = keyHash(r.key);
      const move = own.moveOf(hash);
      const state = own.replicaState(this.nodeId);
      const fromPrimary = own.ownerOf(hash) === from && own.replicasOf(hash).includes(this.nodeId);
      const accepted = replicate
        ? fromPrimary && state !== 'out_of_sync'
        : (move !== undefined && move.targets.includes(this.nodeId) && move.from === from && move.state !== ArcState.DONE)
          || (fromPrimary && state === 'catching_up');
      if (!accepted) {
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
    const own = this.#own;
    if (!own || own.epoch < reqEpoch) {
      throw new RingKvError(ErrorCode.WRONG_OWNER, `node ${this.nodeId} is at epoch ${own?.epoch ?? 0n}`, { epoch: own?.epoch ?? 0n });
    }
    const moves = arcs.map((arc) => {
      const move = own.map.migrations.find((m) => m.start === arc.start && m.end === arc.end);
      if (!move || move.from !== this.nodeId || !move.targets.includes(targetId) || move.state !== ArcState.COPYING) {
        throw new RingKvError(ErrorCode.INVALID_ARGUMENT,
          `no copying migration of arc (${arc.start},${arc.end}] from ${this.nodeId} to ${targetId} at epoch ${own.epoch}`);
      }
      return move;
    });
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
    const own = this.#own;
    if (!own || own.epoch < reqEpoch) {
      throw new RingKvError(ErrorCode.WRONG_OWNER, `node ${this.nodeId} is at epoch ${own?.epoch ?? 0n}`, { epoch: own?.epoch ?? 0n });
    }
    // Exactly the requested epoch: the coordinator counts on the primaries of that epoch.
    if (own.epoch !== reqEpoch) {
      throw new RingKvError(ErrorCode.WRONG_OWNER, `node ${this.nodeId} is at epoch ${own.epoch}, catch-up asked at ${reqEpoch}`, { epoch: own.epoch });
    }
    if (own.replicaState(targetId) !== 'catching_up') {
      throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `shard ${targetId} is not catching up at epoch ${own.epoch}`);
    }
    const address = own.addressOf(targetId)!;
    const arcs = replicatedArcs(own, targetId, (owner) => owner === this.nodeId).map((a): ArcMoveState => ({
      ...a, from: this.nodeId, to: targetId, targets: [targetId], state: ArcState.COPYING,
      keysMoved: 0n, bytesMoved: 0n, estimatedKeys: 0n, estimatedBytes: 0n,
    }));
    return this.#migration.snapshot(arcs, targetId, address, own.epoch, rateBytesPerSec, () => this.barrier(), signal);
  }

  /** Once the arcs are in hand-off here: for each, whether it must be copied again. */
  async finishHandoff(reqEpoch: bigint, arcs: Arc[]): Promise<boolean[]> {
    this.#checkOpen();
    const own = this.#own;
    for (const arc of arcs) {
      const move = own?.map.migrations.find((m) => m.start === arc.start && m.end === arc.end);
      if (!own || own.epoch < reqEpoch || !move || move.from !== this.nodeId || move.state !== ArcState.HANDOFF) {
        throw new RingKvError(ErrorCode.WRONG_OWNER,
          `node ${this.nodeId} at epoch ${own?.epoch ?? 0n} has no hand-off of arc (${arc.start},${arc.end}]`, { epoch: own?.epoch ?? 0n });
      }
    }
    await this.barrier();
    // Dirty for some target; an arc whose move copies nothing (only its primary changes) never is.
    const moves = own!.map.migrations;
    return arcs.map((arc) => this.#migration.isDirty(arc, moves.find((m) => m.start === arc.start && m.end === arc.end)!.targets));
  }

  /** Live keys and bytes held in each arc. */
  async estimate(arcs: Arc[]): Promise<Array<{ keys: number; bytes: number }>> {
    this.#checkOpen();
    const now = Date.now();
    const out: Array<{ keys: number; bytes: number }> = [];
    for (const arc of arcs) {
      const acc = { keys: 0, bytes: 0 };
      for (const [from, to] of arcRanges(arc)) {
        for await (const [sk, raw] of this.#store.entries(dataRangeOfHashes(from, to))) {
          const r = decodeRecord(raw);
          if (!isLive(r, now)) continue;
          acc.keys++;
          acc.bytes += sk.length - 5 + r.value.length;
        }
      }
      out.push(acc);
    }
    return out;
  }

  /** Keys this node serves after `after`, in ring order (see NodeScanRequest). */
  async scan(req: ScanRequest): Promise<NodeScanResponse> {
    this.#checkOpen();
    const own = this.#own;
    if (!own) throw new RingKvError(ErrorCode.WRONG_OWNER, `node ${this.nodeId} has no cluster map yet`, { epoch: 0n });
    if (req.epoch > own.epoch) {
      throw new RingKvError(ErrorCode.WRONG_OWNER, `node ${this.nodeId} is at epoch ${own.epoch}, request at ${req.epoch}`, { epoch: own.epoch });
    }
    const entries: Entry[] = [];
    const range = req.after.length > 0
      ? { gt: Buffer.concat([Buffer.from([0x01]), req.after]), lt: DATA_END }
      : { gte: dataKeyAtHash(0), lt: DATA_END };
    let examined = 0;
    let bytes = 0;
    let last: Buffer | undefined;
    let done = true;
    const now = Date.now();
    for await (const [sk, raw] of this.#store.entries(range, Math.min(1000, req.maxExamined))) {
      if (examined >= req.maxExamined || entries.length >= req.limit) {
        done = false;
        break;
      }
      const previous = last;
      examined++;
      last = sk;
      if (own.ownerOf(sk.readUInt32BE(1)) !== this.nodeId) continue;
      const key = sk.subarray(5);
      if (isSystemKey(key)) continue;
      if (req.prefix.length > 0 && !key.subarray(0, req.prefix.length).equals(req.prefix)) continue;
      const record = decodeRecord(raw);
      if (!isLive(record, now)) continue;
      // A page stays far below the message limit: the next page starts at this record.
      bytes += key.length + record.value.length + 32;
      if (entries.length > 0 && bytes > NODE_SCAN_BUDGET_BYTES) {
        last = previous;
        done = false;
        break;
      }
      entries.push({ key, value: record.value, version: record.version.toString(), expiresAtMs: String(record.expiresAtMs) });
    }
    return { entries, lastExamined: last ? last.subarray(1) : req.after, done, epoch: own.epoch.toString() };
  }

  /**
   * Counts what the node holds: live user keys (not deleted, not expired; lock and queue
   * records are counted in `records` only) and their bytes. It scans
   * the data, so callers within 50 ms of each other share one scan (status polls from many
   * watchers do not pile up scans).
   */
  stats(): Promise<NodeStats> {
    this.#checkOpen();
    const shared = this.#stats;
    if (shared && Date.now() - shared.at < 50) return shared.result;
    const entry = { at: Date.now(), result: this.#countStats() };
    this.#stats = entry;
    void entry.result.finally(() => {
      if (this.#stats === entry) this.#stats = undefined;
    }).catch(() => undefined);
    return entry.result;
  }

  async #countStats(): Promise<NodeStats> {
    const out: NodeStats = { keys: 0, bytes: 0, tombstones: 0, records: 0 };
    const now = Date.now();
    for await (const [sk, raw] of this.#store.entries({ gte: dataKeyAtHash(0), lt: DATA_END })) {
      out.records++;
      const record = decodeRecord(raw);
      if (record.tombstone) out.tombstones++;
      else if (isLive(record, now) && !isSystemKey(sk.subarray(5))) {
        out.keys++;
        out.bytes += sk.length - 5 + record.value.length;
      }
    }
    return out;
  }

  /**
   * Deletes what this node holds but neither serves nor is receiving: an arc's range after it
   * was handed off, or leftovers of an interrupted migration. Each key is re-checked against
   * the map in force when its delete is applied.
   */
  #scheduleCleanup(previous?: Ownership): void {
    const own = this.#own;
    if (!own) return;
    for (const range of droppedRanges(this.nodeId, previous, own)) this.#cleanupQueue.push(range);
    if (this.#cleanup || this.#cleanupQueue.length === 0) return;
    this.#cleanup = (async () => {
      while (this.#cleanupQueue.length > 0 && this.#status === 'open') {
        const ranges = this.#cleanupQueue.splice(0);
        try {
          await this.#cleanupRanges(ranges);
        } catch (err) {
          this.#log?.warn({ err }, 'cleanup failed');
        }
      }
      this.#cleanup = undefined;
    })();
  }

  async #cleanupRanges(ranges: Arc[]): Promise<void> {
    let dropped = 0;
    for (const iv of ranges) {
      for (const [from, to] of arcRanges(iv)) {
        let batch: Promise<OpResult>[] = [];
        for await (const [sk] of this.#store.entries(dataRangeOfHashes(from, to))) {
          if (this.#status !== 'open') return;
          const storageKey = Buffer.from(sk);
          batch.push(new Promise((done) => this.#writes.push({ kind: 'drop', storageKey, hash: sk.readUInt32BE(1), done })));
          if (batch.length >= 1000) {
            dropped += (await Promise.all(batch)).filter((r) => r.found).length;
            batch = [];
          }
        }
        dropped += (await Promise.all(batch)).filter((r) => r.found).length;
      }
    }
    if (dropped > 0) this.#log?.info({ dropped, epoch: this.epoch.toString() }, 'deleted keys this node no longer owns');
  }

  /** Purges expired keys and tombstones past their grace period, through the write queue. */
  async #sweep(): Promise<void> {
    if (this.#sweeping || this.#status !== 'open') return;
    this.#sweeping = true;
    try {
      const now = Date.now();
      const jobs: Promise<OpResult>[] = [];
      const queue = (prefix: Buffer, keys: Buffer[], tombstone: boolean) => {
        for (const ik of keys) {
          const storageKey = storageKeyOfIndexKey(prefix, ik);
          jobs.push(new Promise((done) => this.#writes.push({ kind: 'purge', storageKey, indexKey: ik, tombstone, done })));
        }
      };
      queue(EXPIRY_INDEX, await this.#indexDue(EXPIRY_INDEX, now), false);
      // Tombstones stay while any arc is migrating, so a delete cannot be undone by a copy.
      const map = this.#own?.map;
      if (map && map.migrations.length === 0 && !map.replicaStates.some((r) => r.state === 'catching_up')) {
        queue(TOMBSTONE_INDEX, await this.#indexDue(TOMBSTONE_INDEX, now - this.#tombstoneGraceMs), true);
      }
      await Promise.all(jobs);
    } catch (err) {
      this.#log?.warn({ err }, 'sweep failed');
    } finally {
      this.#sweeping = false;
    }
  }

  async #indexDue(prefix: Buffer, untilMs: number): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for await (const [ik] of this.#store.entries({ gte: prefix, lt: indexBound(prefix, untilMs + 1), limit: 1000 })) {
      out.push(ik);
    }
    return out;
  }

  /** Ends blocking queue pops now (they answer with no message): for a graceful shutdown. */
  endBlockingCalls(): void {
    this.#queues.close();
  }

  /** Finishes queued writes, then closes the database. Idempotent. */
  async close(): Promise<void> {
    if (this.#status === 'closing' || this.#status === 'closed') return;
    this.#status = 'closing';
    clearInterval(this.#sweepTimer);
    this.#queues.close();
    await this.#writes.idle();
    while (this.#sweeping || this.#cleanup) await new Promise((r) => setTimeout(r, 5));
    await this.#writes.idle();
    this.#migration.close();
    this.#peers.close();
    await this.#store.close();
    this.#status = 'closed';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function sameReplicaStates(a: ClusterMap, b: ClusterMap): boolean {
  const key = (m: ClusterMap) => m.replicaStates.map((r) => `${r.id}:${r.state}:${r.since ?? ''}`).join(',');
  return key(a) === key(b);
}

/** The arcs (merged) that `replica` replicates and whose primary passes `owner`. */
function replicatedArcs(own: Ownership, replica: string, owner: (primary: string) => boolean): Arc[] {
  const out: Arc[] = [];
  for (const iv of own.intervals()) {
    if (!iv.replicas.includes(replica) || !owner(iv.owner)) continue;
    const last = out[out.length - 1];
    if (last && last.end === iv.start) last.end = iv.end;
    else out.push({ start: iv.start, end: iv.end });
  }
  if (out.length > 1 && out[out.length - 1]!.end === out[0]!.start) out[0]!.start = out.pop()!.start;
  return out;
}

/**
 * The ranges a node stopped keeping between two maps (all it does not keep, with no previous
 * map: at startup, leftovers of an interrupted run are found this way), adjacent ones merged.
 */
export function droppedRanges(nodeId: string, previous: Ownership | undefined, current: Ownership): Arc[] {
  const bounds = new Set<number>();
  for (const iv of current.intervals()) bounds.add(iv.end);
  if (previous) for (const iv of previous.intervals()) bounds.add(iv.end);
  const sorted = [...bounds].sort((a, b) => a - b);
  const out: Arc[] = [];
  const n = sorted.length;
  for (let i = 0; i < n; i++) {
    const end = sorted[i]!;
    const start = sorted[(i + n - 1) % n]!;
    if (current.keeps(nodeId, end) || (previous && !previous.keeps(nodeId, end))) continue;
    const last = out[out.length - 1];
    if (last && last.end === start) last.end = end;
    else out.push({ start, end });
  }
  if (out.length > 1 && out[out.length - 1]!.end === out[0]!.start) out[0]!.start = out.pop()!.start;
  return out;
}
