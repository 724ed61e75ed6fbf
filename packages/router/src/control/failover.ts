import {
  ArcState, Ownership, allMembers, isMigrating, leavesArcWithoutInSyncReplica,
  type ArcMoveState, type ClusterMap, type Logger, type ReplicaStateEntry,
} from '@ringkv/core';
import { randomBytes } from 'node:crypto';
import type { Topology } from '../topology.js';
import type { Committer } from './committer.js';

export interface FailoverOptions {
  /** How often every shard is asked whether it is alive (and which replicas it cannot reach). @default 500 */
  heartbeatIntervalMs?: number;
  /** A shard that has not answered for this long is dropped from the in-sync sets: its arcs fail over. @default 3000 */
  failureTimeoutMs?: number;
  /** Byte-rate limit of each catch-up stream; 0 = unlimited. @default 0 */
  catchUpRateBytesPerSec?: number;
}

/**
 * The coordinator's side of replication: failure detection, failover and catch-up.
 * Every heartbeat it asks each shard for its map; a shard silent for `failureTimeoutMs`, or
 * named unreachable by a primary that could not replicate to it, is marked out of sync in
 * one commit (epoch + 1): it leaves every in-sync set, so each arc it led is now led by its
 * next in-sync replica (the promotion), and primaries stop waiting for it. A commit that would
 * leave an arc with no in-sync replica is never made (the last copy waits for its shard).
 * A shard out of sync that answers again catches up: marked catching up (it clears what it
 * replicates; primaries forward it every new write), copied by each primary of its arcs, then
 * marked in sync again. Only the coordinator changes the in-sync sets, and only while it
 * leads: start() when elected, stop() when not (a successor starts over from the map, with
 * fresh failure timers; a catch-up the map records is resumed).
 */
export class Failover {
  readonly #topology: Topology;
  readonly #committer: Committer;
  readonly #log: Logger;
  readonly #interval: number;
  readonly #timeout: number;
  readonly #rate: number;
  /** performance.now() of each shard's last answer. */
  readonly #lastOk = new Map<string, number>();
  /** When each shard's client was last replaced (see Topology.resetShard). */
  readonly #lastReset = new Map<string, number>();
  /** Consecutive answers of each shard. */
  readonly #streak = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #catchingUp: Promise<void> | undefined;
  #nextCatchUpAt = 0;
  #lastStuckLog = 0;
  #closed = false;
  #abort = new AbortController();
  /**
   * Primary leases (docs/ARCHITECTURE.md "Primary leases"). Each term (start()) has its own
   * grantor name and heartbeat sequence; every heartbeat confirms the shard's newest reply we
   * received, which grants it a lease of #leaseMs from when it sent that reply. #leaseBound is
   * when the lease it may hold ends at the latest (receipt of the confirmed reply + #leaseMs):
   * nobody is dropped before it. Silent shards pass that bound by themselves (#leaseMs is 80%
   * of the failure timeout); a shard dropped while it answers is first denied renewals.
   */
  readonly #leaseMs: number;
  #grantor = '';
  #startedAt = 0;
  #seq = 0n;
  /** Each shard's newest reply this term: its heartbeat's seq and when it arrived. */
  readonly #replied = new Map<string, { seq: bigint; at: number }>();
  readonly #leaseBound = new Map<string, number>();
  /** Shards to be dropped once their lease has run out: no renewals meanwhile. */
  #withhold = new Set<string>();
  /** Why the last failover or catch-up step failed ('' once one succeeds). */
  lastError = '';

  constructor(topology: Topology, committer: Committer, log: Logger, options: FailoverOptions = {}) {
    this.#topology = topology;
    this.#committer = committer;
    this.#log = log;
    this.#interval = options.heartbeatIntervalMs ?? 500;
    this.#timeout = options.failureTimeoutMs ?? 3_000;
    this.#rate = options.catchUpRateBytesPerSec ?? 0;
    this.#leaseMs = Math.floor(this.#timeout * 0.8);
  }

  /** Starts detecting failures (every shard gets a full failure timeout from now). */
  start(): void {
    if (this.#timer || this.#closed) return;
    this.#lastOk.clear();
    this.#streak.clear();
    this.#replied.clear();
    this.#leaseBound.clear();
    this.#withhold = new Set();
    this.#grantor = randomBytes(6).toString('hex');
    this.#startedAt = performance.now();
    this.#nextCatchUpAt = 0;
    if (this.#abort.signal.aborted) this.#abort = new AbortController();
    const round = () => {
      if (this.#tick || this.#closed) return;
      this.#tick = this.tick().catch((err) => {
        this.lastError = (err as Error).message;
        this.#log.warn({ err: this.lastError }, 'failover step failed; retrying');
      }).finally(() => {
        this.#tick = undefined;
      });
    };
    this.#timer = setInterval(round, this.#interval);
    this.#timer.unref();
    // The first round at once: the shards' leases should not wait a heartbeat interval.
    round();
  }

  /** Stops (this router no longer leads): the heartbeat round and a catch-up in flight end. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#abort.abort();
    await this.#tick;
    await this.#catchingUp;
  }

  /** One heartbeat round: detects failed shards, drops them, starts catch-ups. */
  async tick(): Promise<void> {
    const map = this.#topology.map;
    const members = allMembers(map);
    const now = performance.now();
    const complaints = new Set<string>();
    const accusedBy = new Map<string, string[]>();
    const answered = new Set<string>();
    await Promise.all(members.map(async (m) => {
      if (!this.#lastOk.has(m.id)) this.#lastOk.set(m.id, now);
      try {
        const timeoutMs = Math.min(this.#timeout, Math.max(this.#interval * 2, 1_000));
        let hb = await this.#beat(m.id, timeoutMs);
        // The first answer of this term: confirm it at once, so the shard holds its lease now.
        if (this.#leaseBound.get(m.id) === undefined && !this.#withhold.has(m.id)) hb = await this.#beat(m.id, timeoutMs);
        this.#lastOk.set(m.id, performance.now());
        this.#streak.set(m.id, (this.#streak.get(m.id) ?? 0) + 1);
        answered.add(m.id);
        if (hb.epoch === map.epoch && hb.unreachable.length > 0) accusedBy.set(m.id, hb.unreachable);
      } catch {
        this.#streak.set(m.id, 0);
        // Silent for a while: a new connection, not one stuck in retransmission backoff,
        // tries the next heartbeat (at most once per failure timeout).
        const silentFor = performance.now() - this.#lastOk.get(m.id)!;
        const reset = this.#lastReset.get(m.id) ?? 0;
        if (silentFor > this.#timeout && performance.now() - reset > this.#timeout) {
          this.#lastReset.set(m.id, performance.now());
          this.#topology.resetShard(m.id);
        }
      }
    }));
    for (const id of this.#lastOk.keys()) if (!members.some((m) => m.id === id)) this.#lastOk.delete(id);
    // A primary that reaches none of several shards which all answer us is more likely the
    // one cut off: it is dropped rather than them (its word alone could drop every healthy copy).
    for (const [by, accused] of accusedBy) {
      const healthy = accused.filter((id) => answered.has(id));
      if (healthy.length >= 2) complaints.add(by);
      else for (const id of accused) complaints.add(id);
    }
    if (this.#closed || !this.#committer.leading || this.#topology.map.epoch !== map.epoch) return;
    const own = this.#topology.ownership;
    const silent = members.filter((m) => own.replicaState(m.id) !== 'out_of_sync' && performance.now() - this.#lastOk.get(m.id)! > this.#timeout)
      .map((m) => m.id);
    const candidates = [...new Set([...silent, ...[...complaints].filter((id) => own.replicaState(id) !== 'out_of_sync' && members.some((m) => m.id === id))])];
    // A shard goes only once the lease it may hold has run out (with a margin for clock rates);
    // until then it gets no renewal, so a deposed primary has stopped serving before anyone
    // else leads its arcs.
    const margin = Math.max(100, this.#leaseMs * 0.05);
    const nowMs = performance.now();
    const drop = candidates.filter((id) => nowMs >= (this.#leaseBound.get(id) ?? this.#startedAt + this.#leaseMs) + margin);
    this.#withhold = new Set(candidates.filter((id) => !drop.includes(id)));
    // At replication factor 1 every arc has one copy: there is nobody to fail over to.
    const replicated = map.replicationFactor > 1 || map.nextReplicationFactor > 1;
    if (drop.length > 0 && replicated) await this.#drop(drop, silent);
    // Nothing to drop and no catch-up pending: nothing is failing any more.
    else if (!this.#catchingUp && !map.replicaStates.length) this.lastError = '';
    if (!this.#catchingUp && !isMigrating(this.#topology.map) && performance.now() >= this.#nextCatchUpAt) {
      const back = members.find((m) => own.replicaState(m.id) !== 'in_sync' && (this.#streak.get(m.id) ?? 0) >= 2);
      if (back && map.replicationFactor > 1) {
        this.#catchingUp = this.#catchUp(back.id).catch((err) => {
          // Not every heartbeat: a failing catch-up is retried after a failure timeout.
          this.#nextCatchUpAt = performance.now() + this.#timeout;
          this.lastError = `catch-up of ${back.id}: ${(err as Error).message}`;
          this.#log.warn({ shard: back.id, err: (err as Error).message }, 'catch-up failed; retrying');
        }).finally(() => {
          this.#catchingUp = undefined;
        });
      }
    }
  }

  /** One heartbeat to shard `id`, confirming its newest reply (a lease renewal) unless it is withheld. */
  async #beat(id: string, timeoutMs: number): Promise<{ nodeId: string; epoch: bigint; unreachable: string[] }> {
    const seq = ++this.#seq;
    // Only a leader grants (checked at the moment of sending: a round can outlast the deadline).
    const last = this.#withhold.has(id) || !this.#committer.leading ? undefined : this.#replied.get(id);
    // Before sending: from now on the shard may hold a lease up to this bound.
    if (last) this.#leaseBound.set(id, Math.max(this.#leaseBound.get(id) ?? 0, last.at + this.#leaseMs));
    const hb = await this.#topology.shard(id).heartbeat(timeoutMs, {
      grantor: this.#grantor, seq, confirmedSeq: last?.seq ?? 0n, leaseMs: last ? this.#leaseMs : 0,
    });
    this.#replied.set(id, { seq, at: performance.now() });
    return hb;
  }

  /** Marks shards out of sync (those whose loss would leave an arc with no in-sync replica stay). */
  async #drop(ids: string[], silent: string[]): Promise<void> {
    let dropped: string[] = [];
    // The shards being dropped are not waited for: a silent one would hold the failover (and
    // this router's switch to it) for a whole request timeout. They get the map in the background.
    let map: ClusterMap;
    try {
      map = await this.#committer.commit((current) => {
        const next = dropReplicas(current, ids);
        dropped = next.dropped;
        // Nothing can go (each is the last in-sync replica of some arc): commit nothing.
        if (dropped.length === 0) throw new NothingToDrop();
        return next.map;
      }, { later: ids });
    } catch (err) {
      if (!(err instanceof NothingToDrop)) throw err;
      this.lastError = `cannot drop ${ids.join(', ')}: the last in-sync replica of some arcs, which wait for it`;
      if (performance.now() - this.#lastStuckLog > 10_000) {
        this.#lastStuckLog = performance.now();
        this.#log.warn({ shards: ids }, this.lastError);
      }
      return;
    }
    this.lastError = '';
    this.#log.warn({
      epoch: map.epoch.toString(), dropped, why: dropped.map((id) => (silent.includes(id) ? 'silent' : 'unreachable from a primary')),
    }, 'shards dropped from the in-sync sets; their arcs failed over');
  }

  /** Copies to a shard every arc it replicates, from each arc's primary, then marks it in sync. */
  async #catchUp(id: string): Promise<void> {
    const started = Date.now();
    const already = this.#topology.map.replicaStates.find((r) => r.id === id)?.state === 'catching_up';
    const catching = already ? this.#topology.map
      : await this.#committer.commit((m) => {
        if (isMigrating(m)) throw new Error('a membership change started; the catch-up waits for it');
        return { ...m, replicaStates: setState(m.replicaStates, id, 'catching_up', m.epoch + 1n) };
      }, { mustAck: [id], first: [id] });
    const own = new Ownership(catching);
    const primaries = new Set<string>();
    for (const iv of own.intervals()) if (iv.replicas.includes(id) && iv.owner !== id) primaries.add(iv.owner);
    const totals = await Promise.all([...primaries].map((p) =>
      this.#topology.shard(p).catchUp(catching.epoch, id, this.#rate, this.#abort.signal)));
    if (this.#closed || this.#abort.signal.aborted) return;
    const current = this.#topology.map;
    if (current.replicaStates.find((r) => r.id === id)?.state !== 'catching_up' || isMigrating(current)) {
      throw new Error(`shard ${id} is no longer catching up at epoch ${current.epoch}; will retry`);
    }
    const done = await this.#committer.commit((m) => {
      if (m.replicaStates.find((r) => r.id === id)?.state !== 'catching_up') throw new Error(`shard ${id} stopped catching up`);
      // The copies were made by the primaries of that epoch: any change since (a failover, a
      // migration) may have moved an arc to a primary that did not copy it. Start over then.
      if (m.epoch !== catching.epoch) throw new Error(`the map moved from epoch ${catching.epoch} to ${m.epoch} during the catch-up of ${id}; copying again`);
      return { ...m, replicaStates: m.replicaStates.filter((r) => r.id !== id) };
    });
    this.lastError = '';
    this.#log.info({
      shard: id, epoch: done.epoch.toString(), primaries: [...primaries], keys: totals.reduce((a, t) => a + t.keys, 0), ms: Date.now() - started,
    }, 'shard caught up and back in the in-sync sets');
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.stop();
  }
}

class NothingToDrop extends Error {}

function setState(states: ReplicaStateEntry[], id: string, state: ReplicaStateEntry['state'], since?: bigint): ReplicaStateEntry[] {
  return [...states.filter((r) => r.id !== id), { id, state, ...(since !== undefined ? { since } : {}) }];
}

/**
 * The map with `ids` out of sync, as many of them as can go without leaving an arc with no
 * in-sync replica. Migrations in progress follow: an arc copied by a shard dropped now is
 * copied again by its new primary, and no copy goes to a dropped shard (it catches up later).
 */
export function dropReplicas(map: ClusterMap, ids: string[]): { map: Omit<ClusterMap, 'epoch'>; dropped: string[] } {
  let states = map.replicaStates;
  const dropped: string[] = [];
  for (const id of ids) {
    const candidate = setState(states, id, 'out_of_sync');
    if (leavesArcWithoutInSyncReplica({ ...map, replicaStates: candidate, epoch: 0n })) continue;
    states = candidate;
    dropped.push(id);
  }
  if (dropped.length === 0) return { map, dropped };
  const out = new Set(states.map((r) => r.id));
  const ring = new Ownership(map).ring;
  const migrations: ArcMoveState[] = [];
  for (const m of map.migrations) {
    if (m.state === ArcState.DONE || (!dropped.includes(m.from) && !m.targets.some((t) => dropped.includes(t)))) {
      migrations.push(m);
      continue;
    }
    const before = ring.preferenceList(m.end, map.replicationFactor);
    const from = before.find((id) => !out.has(id)) ?? m.from;
    const targets = m.targets.filter((t) => !out.has(t));
    // Nothing left to copy and the primary stays: the arc needs no move any more.
    if (targets.length === 0 && from === m.to) continue;
    migrations.push({ ...m, from, targets, state: ArcState.PENDING, keysMoved: 0n, bytesMoved: 0n });
  }
  return { map: { ...map, replicaStates: states, migrations }, dropped };
}
