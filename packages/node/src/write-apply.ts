import {
  ArcState, ErrorCode, RingKvError, asRingKvError, decodeRecord, encodeDataKey, encodeRecord, isLive,
  type ArcMoveState, type HybridLogicalClock, type Op__Output, type OpResult, type Ownership, type RawRecord,
  type StoredRecord,
} from '@ringkv/core';
import type { BatchOp, LevelStore } from './level-store.js';
import { EXPIRY_INDEX, HLC_KEY, OK, TOMBSTONE_INDEX, errorResult, indexKey, readResult } from './storage-format.js';
import { WriteDoubts } from './write-doubts.js';

type Done = (r: OpResult) => void;

/** Everything that goes through the write queue, applied in order, one LevelDB batch per drain. */
export type WriteItem =
  | { kind: 'put' | 'delete' | 'get'; op: Op__Output; key: Buffer; hash: number; reqEpoch: bigint; done: Done }
  /** A read-modify-write decided by `update` against the key's current record (locks, queues). */
  | { kind: 'update'; key: Buffer; hash: number; reqEpoch: bigint; update: Updater; done: Done }
  /** Expiry or tombstone purge found in an index. */
  | { kind: 'purge'; storageKey: Buffer; indexKey: Buffer; tombstone: boolean; done: Done }
  /** Migration target: last-writer-wins; `found` in the result says whether it was applied. */
  | { kind: 'ingest'; storageKey: Buffer; hash: number; record: StoredRecord; done: Done }
  /** Cleanup: delete if the key is neither served nor being received here; `found` = deleted. */
  | { kind: 'drop'; storageKey: Buffer; hash: number; done: Done }
  | { kind: 'barrier'; done: Done };

/**
 * What an `update` item does, decided against the key's current record (undefined when absent;
 * tombstones and expired records are passed as they are) at the moment it is applied, so the
 * decision and its write are atomic with respect to every other write of the key.
 */
export type Updater = (current: StoredRecord | undefined, nowMs: number) => UpdateDecision;

export type UpdateDecision =
  | { error: RingKvError; extra?: Partial<OpResult> }
  /** Answer without writing. */
  | { reply: OpResult }
  /** Write a record stamped with a fresh version (a tombstone if `tombstone`), then answer. */
  | { write: (version: bigint) => { value: Buffer; tombstone?: boolean }; reply: (version: bigint) => OpResult };

/**
 * Writes to forward to one shard: a migration target (with the arcs they belong to), or a
 * replica of arcs this node leads (`replicate`).
 */
export interface Forward {
  targetId: string;
  epoch: bigint;
  records: RawRecord[];
  moves: Set<ArcMoveState>;
  replicate: boolean;
}

export interface ApplyContext {
  store: LevelStore;
  clock: HybridLogicalClock;
  sync: boolean;
  nodeId: string;
  fence(reqEpoch: bigint, hash: number): OpResult | undefined;
  ownership(): Ownership | undefined;
  /**
   * Sends forwards to their targets; resolves (never rejects) to the keys (`r:ID` for a
   * replica, `m:ID` for a migration target) of the targets that failed.
   */
  forward(forwards: Forward[]): Promise<Set<string>>;
  /**
   * Keys (storage key, latin1) whose last write is applied here but not yet acknowledged by
   * its replicas, with the promise of that forward: whatever a later item decides from such a
   * key is answered only once it is settled, so no answer depends on a write a failover
   * could still lose.
   */
  unreplicated: Map<string, Promise<unknown>>;
  /** Keys whose last write a replica did not acknowledge: nothing is answered from them (WriteDoubts). */
  doubts: WriteDoubts;
}

const EMPTY = Buffer.alloc(0);

/**
 * Applies one drained batch. Reads the current records of every key in one getMany, decides
 * each item in order against the state left by the items before it, writes one LevelDB batch,
 * forwards writes of migrating arcs to their targets, then settles every item. Versions come
 * from the clock in apply order, so each key's versions increase in visibility order.
 */
export async function applyWriteBatch(items: WriteItem[], ctx: ApplyContext): Promise<void> {
  const keyed = items.map((it) => (it.kind === 'barrier' ? undefined
    : 'storageKey' in it ? it.storageKey : encodeDataKey(it.key, it.hash)));
  const lookups = keyed.filter((k): k is Buffer => k !== undefined);
  const raws = await ctx.store.getMany(lookups);
  const stored = new Map<string, StoredRecord | undefined>();
  lookups.forEach((k, i) => {
    const id = k.toString('latin1');
    if (!stored.has(id)) stored.set(id, raws[i] ? decodeRecord(raws[i]!) : undefined);
  });
  const own = ctx.ownership();
  const ops: BatchOp[] = [];
  const results: OpResult[] = new Array(items.length);
  const forwards = new Map<string, Forward>();
  /** Item index -> forward keys (see ApplyContext.forward), for the writes that must reach them before their ack. */
  const forwarded: Array<string[] | undefined> = new Array(items.length);
  /** Item index -> an earlier batch's forward this item's answer depends on. */
  const dependsOn: Array<Promise<unknown> | undefined> = new Array(items.length);
  /** Keys written by this batch's forwarded items: later items of the batch wait for the forward too. */
  const forwardedKeys = new Set<string>();
  /** Item index -> true for the items that wrote (their own replication settles their key's doubt). */
  const wrote: boolean[] = new Array(items.length);
  const addForward = (key: string, targetId: string, replicate: boolean, rec: RawRecord, move?: ArcMoveState) => {
    let f = forwards.get(key);
    if (!f) forwards.set(key, (f = { targetId, epoch: own!.epoch, records: [], moves: new Set(), replicate }));
    f.records.push(rec);
    if (move) f.moves.add(move);
  };
  const now = Date.now();
  let lastVersion = 0n;

  items.forEach((item, i) => {
    if (item.kind === 'barrier') {
      results[i] = OK;
      return;
    }
    const sk = keyed[i]!;
    const id = sk.toString('latin1');
    const current = stored.get(id);
    if (item.kind !== 'ingest' && item.kind !== 'purge' && item.kind !== 'drop') dependsOn[i] = ctx.unreplicated.get(id);
    const inBatch = forwardedKeys.has(id);
    const set = (record: StoredRecord | undefined) => {
      stored.set(id, record);
      if (record) ops.push({ type: 'put', key: sk, value: encodeRecord(record) });
      else ops.push({ type: 'del', key: sk });
    };
    switch (item.kind) {
      case 'purge': {
        ops.push({ type: 'del', key: item.indexKey });
        const due = current && (item.tombstone
          ? current.tombstone
          : !current.tombstone && current.expiresAtMs !== 0 && current.expiresAtMs <= now);
        if (due) set(undefined);
        results[i] = OK;
        return;
      }
      case 'drop': {
        const keep = !own || own.keeps(ctx.nodeId, item.hash);
        if (!keep && current) set(undefined);
        results[i] = { ...OK, found: !keep && current !== undefined };
        return;
      }
      case 'ingest': {
        ctx.clock.observe(item.record.version);
        if (item.record.version > lastVersion) lastVersion = item.record.version;
        const apply = !current || current.version < item.record.version;
        if (apply) {
          set(item.record);
          if (item.record.expiresAtMs) ops.push({ type: 'put', key: indexKey(EXPIRY_INDEX, item.record.expiresAtMs, sk), value: EMPTY });
          if (item.record.tombstone) ops.push({ type: 'put', key: indexKey(TOMBSTONE_INDEX, now, sk), value: EMPTY });
        }
        results[i] = { ...OK, found: apply };
        return;
      }
      default:
        break;
    }
    if (inBatch) forwarded[i] = [];
    const fenced = ctx.fence(item.reqEpoch, item.hash);
    if (fenced) {
      results[i] = fenced;
      return;
    }
    // A key whose last write a replica missed: answer nothing that depends on its value.
    const blind = item.kind === 'put' && !item.op.put!.condition;
    if (!blind && !ctx.doubts.empty) {
      const replica = ctx.doubts.blocking(id, item.hash, own);
      if (replica !== undefined) {
        results[i] = WriteDoubts.result(ctx.nodeId, replica);
        return;
      }
    }
    const live = current !== undefined && isLive(current, now);
    if (item.kind === 'get') {
      results[i] = live ? readResult(current, now) : OK;
      return;
    }
    let updateReply: ((version: bigint) => OpResult) | undefined;
    let updateWrite: ((version: bigint) => { value: Buffer; tombstone?: boolean }) | undefined;
    if (item.kind === 'update') {
      let decision: UpdateDecision;
      try {
        decision = item.update(current, now);
      } catch (err) {
        // A corrupt record fails its own item, not the batch.
        results[i] = errorResult(asRingKvError(err));
        return;
      }
      if ('error' in decision) {
        results[i] = { ...errorResult(decision.error), ...decision.extra };
        return;
      }
      if (!('write' in decision)) {
        results[i] = decision.reply;
        return;
      }
      updateWrite = decision.write;
      updateReply = decision.reply;
    }
    const condition = item.kind === 'put' ? item.op.put!.condition : item.kind === 'delete' ? item.op.delete!.condition : undefined;
    if (condition?.kind === 'ifAbsent' && live) {
      results[i] = errorResult(new RingKvError(ErrorCode.CONFLICT, 'key exists (ifAbsent)'));
      return;
    }
    if (condition?.kind === 'ifVersion') {
      const want = BigInt(condition.ifVersion!);
      if (!live || current!.version !== want) {
        const have = live ? `version ${current!.version}` : 'no value';
        results[i] = errorResult(new RingKvError(ErrorCode.CONFLICT, `key has ${have}, not version ${want} (ifVersion)`));
        return;
      }
    }
    // Never below what the key already holds, whatever the wall clock did.
    if (current) ctx.clock.observe(current.version);
    const version = ctx.clock.now();
    if (version > lastVersion) lastVersion = version;
    let record: StoredRecord;
    if (updateWrite) {
      const updated = updateWrite(version);
      record = updated.tombstone
        ? { version, tombstone: true, expiresAtMs: 0, value: EMPTY }
        : { version, tombstone: false, expiresAtMs: 0, value: updated.value };
      if (updated.tombstone) ops.push({ type: 'put', key: indexKey(TOMBSTONE_INDEX, now, sk), value: EMPTY });
    } else if (item.kind === 'put') {
      const ttl = Number(item.op.put!.ttlMs);
      const expiresAtMs = ttl > 0 ? now + ttl : 0;
      record = { version, tombstone: false, expiresAtMs, value: item.op.put!.value };
      if (expiresAtMs) ops.push({ type: 'put', key: indexKey(EXPIRY_INDEX, expiresAtMs, sk), value: EMPTY });
    } else {
      record = { version, tombstone: true, expiresAtMs: 0, value: EMPTY };
      ops.push({ type: 'put', key: indexKey(TOMBSTONE_INDEX, now, sk), value: EMPTY });
    }
    set(record);
    wrote[i] = true;
    results[i] = updateReply ? updateReply(version)
      : { ...OK, found: item.kind === 'delete' ? live : false, version: version.toString() };
    if (!own) return;
    const keys: string[] = [];
    let raw: RawRecord | undefined;
    const rec = () => (raw ??= { key: item.key, record: encodeRecord(record) });
    // Replication: the other in-sync replicas, and replicas catching up, get every write
    // before it is acknowledged.
    for (const t of own.replicationTargetsOf(item.hash)) {
      addForward(`r:${t}`, t, true, rec());
      keys.push(`r:${t}`);
    }
    const move = own.moveOf(item.hash);
    if (move && move.from === ctx.nodeId && move.state === ArcState.COPYING) {
      for (const t of move.targets) {
        addForward(`m:${t}`, t, false, rec(), move);
        keys.push(`m:${t}`);
      }
    }
    if (keys.length > 0) {
      forwarded[i] = keys;
      forwardedKeys.add(id);
    }
  });

  if (lastVersion > 0n) {
    const hlc = Buffer.allocUnsafe(8);
    // The clock's high-water mark (at least every version stamped or ingested), never lower.
    hlc.writeBigUInt64BE(ctx.clock.last);
    ops.push({ type: 'put', key: HLC_KEY, value: hlc });
  }
  if (ops.length > 0) await ctx.store.batch(ops, ctx.sync);
  const settle = (i: number, failed?: Set<string>) => {
    const keys = forwarded[i];
    const lost = failed && keys?.find((k) => failed.has(k));
    if (wrote[i]) {
      // This write's own outcome settles its key: a replica that missed it puts the key in doubt
      // (nothing is allocated for a write that every replica acknowledged, with no doubts about).
      const missed = lost ? keys!.filter((k) => k.startsWith('r:') && failed!.has(k)).map((k) => k.slice(2)) : undefined;
      if (missed?.length) {
        const written = items[i] as { key: Buffer; hash: number };
        ctx.doubts.add(keyed[i]!.toString('latin1'), written.key, written.hash, missed);
      } else if (ctx.doubts.size > 0) {
        ctx.doubts.clear(keyed[i]!.toString('latin1'));
      }
    } else if ((dependsOn[i] || keys) && !ctx.doubts.empty) {
      // Decided from a write still in flight (an earlier batch's, or this one's) that has
      // since failed: its value may vanish, so neither it nor a CONFLICT decided from it is told.
      const id = keyed[i]!.toString('latin1');
      const replica = ctx.doubts.blocking(id, (items[i] as { hash: number }).hash, ctx.ownership());
      if (replica !== undefined) return items[i]!.done(WriteDoubts.result(ctx.nodeId, replica));
    }
    if (!lost) return items[i]!.done(results[i]!);
    const [kind, target] = [lost.slice(0, 1), lost.slice(2)];
    items[i]!.done(errorResult(new RingKvError(ErrorCode.UNAVAILABLE, kind === 'r'
      ? `write applied on primary ${ctx.nodeId} but not acknowledged by replica ${target} (it is being dropped from the in-sync set); retry`
      : `write applied but not yet copied to migration target ${target}; retry`)));
  };
  const sent = forwards.size > 0 ? ctx.forward([...forwards.values()]) : undefined;
  if (sent) {
    // Later batches answer nothing that depends on these writes before they are replicated.
    const ids = [...forwardedKeys];
    for (const id of ids) ctx.unreplicated.set(id, sent);
    void sent.then(() => {
      for (const id of ids) if (ctx.unreplicated.get(id) === sent) ctx.unreplicated.delete(id);
    });
  }
  // Applied here first; acknowledged only once every replica (and migration target) has it
  // too. The queue does not wait for them (ctx.forward tracks the call, so barriers do);
  // last-writer-wins keeps forwards that overtake each other in order on the receiver. A
  // failed migration forward leaves the arc dirty, so it is copied again before its hand-off;
  // a failed replication makes this node ask for the replica to be dropped (see forward).
  items.forEach((item, i) => {
    const before = dependsOn[i];
    const own = forwarded[i] ? sent : undefined;
    if (!before && !own) return settle(i);
    void (before ?? Promise.resolve()).then(() => (own ? own.then((failed) => settle(i, failed)) : settle(i)));
  });
}
