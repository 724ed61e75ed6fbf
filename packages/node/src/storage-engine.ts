import {
  DATA_END, DEFAULT_LIMITS, ErrorCode, HybridLogicalClock, RingKvError, asRingKvError, dataKeyAtHash,
  decodeClusterMapJson, decodeRecord, encodeClusterMapJson, encodeDataKey, encodeRecord, hash32, isLive, keyOfOp,
  metaKey, ringOf, validateOp, type ClusterMap, type Entry, type NodeScanResponse, type Op__Output, type OpResult,
  type Ring, type SizeLimits, type StoredRecord,
} from '@ringkv/core';
import { mkdirSync } from 'node:fs';
import { LevelStore, type BatchOp } from './level-store.js';
import { WriteQueue } from './write-queue.js';
import type { Logger } from '@ringkv/core';

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

type WriteItem =
  | { kind: 'put' | 'delete' | 'get'; op: Op__Output; key: Buffer; hash: number; reqEpoch: bigint; done: (r: OpResult) => void }
  | { kind: 'purge'; storageKey: Buffer; indexKey: Buffer; tombstone: boolean; done: (r: OpResult) => void };

const NODE_ID_KEY = metaKey('node-id');
const MAP_KEY = metaKey('cluster-map');
const HLC_KEY = metaKey('hlc');
/** Expiry index: 0x00 'x' | expiresAtMs u64 | storage key. */
const EXPIRY_INDEX = metaKey('x');
/** Tombstone index: 0x00 'g' | deletedAtMs u64 | storage key. */
const TOMBSTONE_INDEX = metaKey('g');

function indexKey(prefix: Buffer, ms: number, storageKey: Buffer): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + 8 + storageKey.length);
  prefix.copy(out, 0);
  out.writeBigUInt64BE(BigInt(ms), prefix.length);
  storageKey.copy(out, prefix.length + 8);
  return out;
}

function indexBound(prefix: Buffer, ms: number): Buffer {
  return indexKey(prefix, ms, Buffer.alloc(0));
}

const OK: OpResult = { errorCode: '', errorMessage: '', found: false, version: '0', expiresAtMs: '0', epoch: '0' };

function errorResult(err: RingKvError, epoch: bigint = 0n): OpResult {
  return { ...OK, errorCode: err.code, errorMessage: err.message, epoch: epoch.toString() };
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
  #status: EngineStatus = 'opening';
  #map: ClusterMap | undefined;
  #ring: Ring | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeping = false;

  private constructor(options: StorageEngineOptions) {
    this.nodeId = options.nodeId;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    mkdirSync(options.dataDir, { recursive: true });
    this.#store = new LevelStore(options.dataDir);
    this.#sync = options.sync ?? false;
    this.#tombstoneGraceMs = options.tombstoneGraceMs ?? 3_600_000;
    this.#log = options.logger;
    this.#writes = new WriteQueue((items) => this.#applyWrites(items));
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
      if (mapJson) this.#setMap(decodeClusterMapJson(mapJson.toString('utf8')));
      const hlc = await this.#store.get(HLC_KEY);
      if (hlc) this.#clock.observe(hlc.readBigUInt64BE(0));
    } catch (err) {
      await this.#store.close();
      throw err;
    }
    this.#status = 'open';
    this.#sweepTimer = setInterval(() => void this.#sweep(), sweepIntervalMs);
    this.#sweepTimer.unref();
  }

  get status(): EngineStatus {
    return this.#status;
  }

  get clusterMap(): ClusterMap | undefined {
    return this.#map;
  }

  get epoch(): bigint {
    return this.#map?.epoch ?? 0n;
  }

  get writeQueueDepth(): number {
    return this.#writes.depth;
  }

  #checkOpen(): void {
    if (this.#status !== 'open') throw new RingKvError(ErrorCode.UNAVAILABLE, `storage engine is ${this.#status}`);
  }

  #setMap(map: ClusterMap): void {
    this.#map = map;
    this.#ring = ringOf(map);
  }

  /** Installs a newer map of the same cluster; returns the map now in force. */
  async installClusterMap(map: ClusterMap): Promise<ClusterMap> {
    this.#checkOpen();
    const current = this.#map;
    if (current && current.clusterId !== map.clusterId) {
      throw new RingKvError(ErrorCode.INVALID_ARGUMENT,
        `node ${this.nodeId} belongs to cluster ${current.clusterId}, not ${map.clusterId}`);
    }
    if (current && map.epoch <= current.epoch) return current;
    await this.#store.batch([{ type: 'put', key: MAP_KEY, value: Buffer.from(encodeClusterMapJson(map)) }], true);
    this.#setMap(map);
    this.#log?.info({ epoch: map.epoch.toString(), members: map.members.length }, 'cluster map installed');
    return map;
  }

  /** The ownership fence: undefined if this node may serve `hash` for a request at `reqEpoch`. */
  #fence(reqEpoch: bigint, hash: number): OpResult | undefined {
    const map = this.#map;
    if (!map || !this.#ring) {
      return errorResult(new RingKvError(ErrorCode.WRONG_OWNER, `node ${this.nodeId} has no cluster map yet`), 0n);
    }
    if (reqEpoch > map.epoch) {
      return errorResult(new RingKvError(ErrorCode.WRONG_OWNER,
        `node ${this.nodeId} is at epoch ${map.epoch}, request at ${reqEpoch}`), map.epoch);
    }
    const owner = this.#ring.ownerOf(hash);
    if (owner !== this.nodeId) {
      return errorResult(new RingKvError(ErrorCode.WRONG_OWNER,
        `key belongs to ${owner} at epoch ${map.epoch}, not ${this.nodeId}`), map.epoch);
    }
    return undefined;
  }

  /** Runs a batch of operations; each result stands alone, in request order. */
  async execute(reqEpoch: bigint, ops: Op__Output[]): Promise<OpResult[]> {
    this.#checkOpen();
    const results: OpResult[] = new Array(ops.length);
    const readIdx: number[] = [];
    const readKeys: Buffer[] = [];
    const writes: Promise<void>[] = [];
    // Keys written earlier in this batch: later reads of them queue behind the write (per-key order).
    let written: Set<string> | undefined;
    ops.forEach((op, i) => {
      const invalid = validateOp(op, this.limits);
      if (invalid) {
        results[i] = errorResult(invalid);
        return;
      }
      const key = keyOfOp(op)!;
      const hash = hash32(key);
      const fenced = this.#fence(reqEpoch, hash);
      if (fenced) {
        results[i] = fenced;
        return;
      }
      if (op.op === 'get' && !written?.has(key.toString('latin1'))) {
        readIdx.push(i);
        readKeys.push(encodeDataKey(key, hash));
      } else {
        if (op.op !== 'get') (written ??= new Set()).add(key.toString('latin1'));
        writes.push(new Promise<OpResult>((done) =>
          this.#writes.push({ kind: op.op!, op, key, hash, reqEpoch, done })).then((r) => {
          results[i] = r;
        }));
      }
    });
    if (readKeys.length > 0) {
      const values = await this.#store.getMany(readKeys);
      const now = Date.now();
      values.forEach((raw, j) => {
        results[readIdx[j]!] = readResult(raw, now);
      });
    }
    if (writes.length > 0) await Promise.all(writes);
    return results;
  }

  async #applyWrites(items: WriteItem[]): Promise<void> {
    try {
      await this.#applyWritesUnsafe(items);
    } catch (err) {
      const e = asRingKvError(err);
      this.#log?.error({ err: e }, 'write batch failed');
      for (const item of items) item.done(errorResult(e));
    }
  }

  async #applyWritesUnsafe(items: WriteItem[]): Promise<void> {
    const storageKeys = items.map((it) => (it.kind === 'purge' ? it.storageKey : encodeDataKey(it.key, it.hash)));
    const raws = await this.#store.getMany(storageKeys);
    // The latest state of each key within this batch, so two writes to one key chain correctly.
    const latest = new Map<string, StoredRecord | undefined>();
    const ops: BatchOp[] = [];
    const results: OpResult[] = [];
    const now = Date.now();
    let lastVersion = 0n;
    items.forEach((item, i) => {
      const sk = storageKeys[i]!;
      const id = sk.toString('latin1');
      const raw = raws[i];
      const current = latest.has(id) ? latest.get(id) : raw ? decodeRecord(raw) : undefined;
      if (item.kind === 'purge') {
        ops.push({ type: 'del', key: item.indexKey });
        const purge = current && (item.tombstone
          ? current.tombstone
          : !current.tombstone && current.expiresAtMs !== 0 && current.expiresAtMs <= now);
        if (purge) {
          ops.push({ type: 'del', key: sk });
          latest.set(id, undefined);
        }
        results.push(OK);
        return;
      }
      const fenced = this.#fence(item.reqEpoch, item.hash);
      if (fenced) {
        results.push(fenced);
        return;
      }
      const live = current !== undefined && isLive(current, now);
      if (item.kind === 'get') {
        results.push(live ? readResult(current, now) : OK);
        return;
      }
      const condition = item.kind === 'put' ? item.op.put!.condition : item.op.delete!.condition;
      if (condition?.kind === 'ifAbsent' && live) {
        results.push(errorResult(new RingKvError(ErrorCode.CONFLICT, 'key exists (ifAbsent)')));
        return;
      }
      if (condition?.kind === 'ifVersion') {
        const want = BigInt(condition.ifVersion!);
        if (!live || current!.version !== want) {
          const have = live ? `version ${current!.version}` : 'no value';
          results.push(errorResult(new RingKvError(ErrorCode.CONFLICT, `key has ${have}, not version ${want} (ifVersion)`)));
          return;
        }
      }
      const version = this.#clock.now();
      lastVersion = version;
      let record: StoredRecord;
      if (item.kind === 'put') {
        const ttl = Number(item.op.put!.ttlMs);
        const expiresAtMs = ttl > 0 ? now + ttl : 0;
        record = { version, tombstone: false, expiresAtMs, value: item.op.put!.value };
        if (expiresAtMs) ops.push({ type: 'put', key: indexKey(EXPIRY_INDEX, expiresAtMs, sk), value: Buffer.alloc(0) });
      } else {
        record = { version, tombstone: true, expiresAtMs: 0, value: Buffer.alloc(0) };
        ops.push({ type: 'put', key: indexKey(TOMBSTONE_INDEX, now, sk), value: Buffer.alloc(0) });
      }
      ops.push({ type: 'put', key: sk, value: encodeRecord(record) });
      latest.set(id, record);
      results.push({ ...OK, found: item.kind === 'delete' ? live : false, version: version.toString() });
    });
    if (lastVersion > 0n) {
      const hlc = Buffer.allocUnsafe(8);
      hlc.writeBigUInt64BE(lastVersion);
      ops.push({ type: 'put', key: HLC_KEY, value: hlc });
    }
    if (ops.length > 0) await this.#store.batch(ops, this.#sync);
    items.forEach((item, i) => item.done(results[i]!));
  }

  /** Keys this node owns after `after`, in ring order (see NodeScanRequest). */
  async scan(req: ScanRequest): Promise<NodeScanResponse> {
    this.#checkOpen();
    const map = this.#map;
    if (!map || !this.#ring) throw new RingKvError(ErrorCode.WRONG_OWNER, `node ${this.nodeId} has no cluster map yet`, { epoch: 0n });
    if (req.epoch > map.epoch) {
      throw new RingKvError(ErrorCode.WRONG_OWNER, `node ${this.nodeId} is at epoch ${map.epoch}, request at ${req.epoch}`, { epoch: map.epoch });
    }
    const ring = this.#ring;
    const entries: Entry[] = [];
    const range = req.after.length > 0
      ? { gt: Buffer.concat([Buffer.from([0x01]), req.after]), lt: DATA_END }
      : { gte: dataKeyAtHash(0), lt: DATA_END };
    let examined = 0;
    let last: Buffer | undefined;
    let done = true;
    const now = Date.now();
    let arcStart = -1;
    let arcEnd = -1;
    let owned = false;
    for await (const [sk, raw] of this.#store.entries(range, Math.min(1000, req.maxExamined))) {
      if (examined >= req.maxExamined || entries.length >= req.limit) {
        done = false;
        break;
      }
      examined++;
      last = sk;
      const hash = sk.readUInt32BE(1);
      if (!(arcStart < hash && hash <= arcEnd)) {
        const arc = ring.arcOf(hash);
        owned = arc.owner === this.nodeId;
        // Cache non-wrapping arcs; the wrapping one is rare enough to look up each time.
        [arcStart, arcEnd] = arc.start < arc.end ? [arc.start, arc.end] : [-1, -1];
      }
      if (!owned) continue;
      const key = sk.subarray(5);
      if (req.prefix.length > 0 && !key.subarray(0, req.prefix.length).equals(req.prefix)) continue;
      const record = decodeRecord(raw);
      if (!isLive(record, now)) continue;
      entries.push({ key, value: record.value, version: record.version.toString(), expiresAtMs: String(record.expiresAtMs) });
    }
    return { entries, lastExamined: last ? last.subarray(1) : req.after, done, epoch: map.epoch.toString() };
  }

  /** Counts what the node holds: live keys (not deleted, not expired) and their bytes. */
  async stats(): Promise<NodeStats> {
    this.#checkOpen();
    const out: NodeStats = { keys: 0, bytes: 0, tombstones: 0, records: 0 };
    const now = Date.now();
    for await (const [sk, raw] of this.#store.entries({ gte: dataKeyAtHash(0), lt: DATA_END })) {
      out.records++;
      const record = decodeRecord(raw);
      if (record.tombstone) out.tombstones++;
      else if (isLive(record, now)) {
        out.keys++;
        out.bytes += sk.length - 5 + record.value.length;
      }
    }
    return out;
  }

  /** Purges expired keys and tombstones past their grace period, through the write queue. */
  async #sweep(): Promise<void> {
    if (this.#sweeping || this.#status !== 'open') return;
    this.#sweeping = true;
    try {
      const now = Date.now();
      const jobs: Promise<OpResult>[] = [];
      const queue = (sources: Array<[Buffer, boolean]>) => {
        for (const [ik, tombstone] of sources) {
          const storageKey = ik.subarray(EXPIRY_INDEX.length + 8);
          jobs.push(new Promise((done) => this.#writes.push({ kind: 'purge', storageKey, indexKey: ik, tombstone, done })));
        }
      };
      queue(await this.#indexDue(EXPIRY_INDEX, now, false));
      // Tombstones stay while any arc is migrating, so a delete cannot be undone by a copy.
      if ((this.#map?.migrations.length ?? 0) === 0) queue(await this.#indexDue(TOMBSTONE_INDEX, now - this.#tombstoneGraceMs, true));
      await Promise.all(jobs);
    } catch (err) {
      this.#log?.warn({ err }, 'sweep failed');
    } finally {
      this.#sweeping = false;
    }
  }

  async #indexDue(prefix: Buffer, untilMs: number, tombstone: boolean): Promise<Array<[Buffer, boolean]>> {
    const out: Array<[Buffer, boolean]> = [];
    for await (const [ik] of this.#store.entries({ gte: prefix, lt: indexBound(prefix, untilMs + 1), limit: 1000 })) {
      out.push([ik, tombstone]);
    }
    return out;
  }

  /** Finishes queued writes, then closes the database. Idempotent. */
  async close(): Promise<void> {
    if (this.#status === 'closing' || this.#status === 'closed') return;
    this.#status = 'closing';
    clearInterval(this.#sweepTimer);
    await this.#writes.idle();
    while (this.#sweeping) await new Promise((r) => setTimeout(r, 5));
    await this.#writes.idle();
    await this.#store.close();
    this.#status = 'closed';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function readResult(raw: Buffer | StoredRecord | undefined, now: number): OpResult {
  if (!raw) return OK;
  const r = Buffer.isBuffer(raw) ? decodeRecord(raw) : raw;
  if (!isLive(r, now)) return OK;
  return { ...OK, found: true, value: r.value, version: r.version.toString(), expiresAtMs: String(r.expiresAtMs) };
}
