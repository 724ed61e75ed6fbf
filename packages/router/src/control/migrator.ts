import {
  ArcState, ErrorCode, RingKvError, allMembers, formatArc, isMigrating, type ArcMoveState, type ClusterMap, type Logger,
} from '@ringkv/core';
import type { Topology } from '../topology.js';
import type { Committer } from './committer.js';

export interface MigratorOptions {
  /** Arc streams running at once. @default 4 */
  arcConcurrency: number;
  /** Arcs per wave: each wave costs three epoch commits and one short hand-off. @default 128 */
  waveSize?: number;
  /** Byte-rate limit per arc stream; 0 = unlimited. @default 0 */
  rateBytesPerSec: number;
  /** Delay before retrying a failed step. @default 500 */
  retryDelayMs: number;
}

export interface ArcProgressView {
  keysMoved: bigint;
  bytesMoved: bigint;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => {
    clearTimeout(t);
    resolve();
  }, { once: true });
});
const same = (a: ArcMoveState, b: { start: number; end: number }) => a.start === b.start && a.end === b.end;

/**
 * Drives the migrations recorded in the cluster map to completion, a wave of arcs at a time:
 * commit COPYING (sources start forwarding writes) -> each source streams its arc ->
 * commit HANDOFF (sources refuse the arc with TRY_AGAIN) -> sources confirm no forward failed ->
 * commit DONE (targets serve; sources delete the range). When every arc is done the next
 * members become the members. The plan lives in the committed map, so whichever router
 * coordinates next resumes where the map says; a failed step is retried from COPYING. It runs
 * only while its router leads: stop() (the leadership lost) cancels the streams in flight.
 */
export class Migrator {
  readonly #topology: Topology;
  readonly #committer: Committer;
  readonly #log: Logger;
  readonly #opts: MigratorOptions;
  readonly #progress = new Map<string, ArcProgressView>();
  #running: Promise<void> | undefined;
  #closed = false;
  #abort = new AbortController();
  lastError = '';

  constructor(topology: Topology, committer: Committer, log: Logger, options: MigratorOptions) {
    this.#topology = topology;
    this.#committer = committer;
    this.#log = log;
    this.#opts = options;
  }

  /** Live progress of an arc being copied (falls back to what the map recorded). */
  progressOf(m: ArcMoveState): ArcProgressView {
    return this.#progress.get(formatArc(m)) ?? { keysMoved: m.keysMoved, bytesMoved: m.bytesMoved };
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  /** Starts the loop if the map has unfinished work. */
  ensureRunning(): void {
    if (this.#running || this.#closed || !this.#committer.leading || !isMigrating(this.#topology.map)) return;
    if (this.#abort.signal.aborted) this.#abort = new AbortController();
    const signal = this.#abort.signal;
    this.#running = this.#loop(signal).finally(() => {
      this.#running = undefined;
      // A change committed while this run was finishing found it still running: start it now.
      if (!signal.aborted) this.ensureRunning();
    });
  }

  /** Stops driving (this router no longer leads): streams in flight are cancelled. ensureRunning() resumes. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running?.catch(() => undefined);
    this.#progress.clear();
  }

  async #loop(signal: AbortSignal): Promise<void> {
    while (!this.#closed && !signal.aborted && this.#committer.leading && isMigrating(this.#topology.map)) {
      try {
        const left = this.#topology.map.migrations.filter((m) => m.state !== ArcState.DONE);
        if (left.length === 0) await this.#finish();
        else await this.#wave(left.slice(0, this.#opts.waveSize ?? 128));
        this.lastError = '';
      } catch (err) {
        if (this.#closed || signal.aborted) return;
        this.lastError = (err as Error).message;
        this.#log.warn({ err: this.lastError }, 'migration step failed; retrying');
        await sleep(this.#opts.retryDelayMs, signal);
      }
    }
  }

  /**
   * The change that moves each arc of the wave to `state(arc)`. An arc the map changed
   * meanwhile (a failover re-sourced it or dropped a target, resetting it to pending) is not
   * moved on: the step fails and the wave starts again from the map, so a hand-off never
   * completes for copies made under another plan.
   */
  #setStates(
    wave: ArcMoveState[], state: (m: ArcMoveState) => string | undefined, extra?: (m: ArcMoveState) => Partial<ArcMoveState>,
    expect?: string,
  ) {
    return (map: ClusterMap): Omit<ClusterMap, 'epoch'> => ({
      ...map,
      migrations: map.migrations.map((m) => {
        const w = wave.find((x) => same(x, m));
        const s = w && state(w);
        if (!s) return m;
        const changed = m.from !== w.from || m.targets.join() !== w.targets.join() || (expect !== undefined && m.state !== expect);
        if (changed) {
          throw new RingKvError(ErrorCode.TRY_AGAIN,
            `arc ${formatArc(m)} changed during its migration step (now ${m.state} from ${m.from} to [${m.targets.join(', ')}]); restarting the wave`);
        }
        return { ...m, state: s, ...(extra ? extra(w) : {}) };
      }),
    });
  }

  async #wave(wave: ArcMoveState[]): Promise<void> {
    const inSync = (id: string) => !this.#topology.map.replicaStates.some((r) => r.id === id);
    const parties = new Set(wave.flatMap((m) => [m.from, m.to, ...m.targets]).filter(inSync));
    const started = Date.now();
    // Targets first: a source forwards writes as soon as it has the map, and a target
    // without it would refuse them.
    let map = await this.#committer.commit(this.#setStates(wave, () => ArcState.COPYING), { mustAck: parties, first: wave.flatMap((m) => m.targets) });
    const copyingAt = Date.now();
    // One stream per (source, target) pair and chunk: small arcs share batches. With
    // replication, an arc has one stream per new replica.
    const chunkSize = Math.max(1, Math.ceil(wave.length / this.#opts.arcConcurrency));
    const pairs = new Map<string, { target: string; arcs: ArcMoveState[] }>();
    for (const m of wave) {
      for (const t of m.targets) {
        const k = `${m.from}>${t}`;
        if (!pairs.has(k)) pairs.set(k, { target: t, arcs: [] });
        pairs.get(k)!.arcs.push(m);
      }
    }
    const chunks = [...pairs.values()].flatMap(({ target, arcs }) =>
      Array.from({ length: Math.ceil(arcs.length / chunkSize) }, (_, i) => ({ target, arcs: arcs.slice(i * chunkSize, (i + 1) * chunkSize) })));
    const results: Array<{ keys: number; bytes: number }> = wave.map(() => ({ keys: 0, bytes: 0 }));
    // The first failed stream stops the wave: the others are cancelled, none is started.
    const waveAbort = new AbortController();
    const onClose = () => waveAbort.abort();
    this.#abort.signal.addEventListener('abort', onClose, { once: true });
    try {
      await mapLimit(chunks, this.#opts.arcConcurrency, waveAbort, async ({ target: targetId, arcs }) => {
        const target = allMembers(map).find((x) => x.id === targetId)!;
        for (const m of arcs) this.#progress.set(formatArc(m), { keysMoved: 0n, bytesMoved: 0n });
        const totals = await this.#topology.shard(arcs[0]!.from).migrateArcs(
          { epoch: map.epoch, arcs, targetId: target.id, targetAddress: target.address, rateBytesPerSec: this.#opts.rateBytesPerSec },
          (i, keys, bytes) => this.#progress.set(formatArc(arcs[i]!), { keysMoved: BigInt(keys), bytesMoved: BigInt(bytes) }),
          waveAbort.signal,
        );
        arcs.forEach((m, i) => {
          const r = results[wave.indexOf(m)]!;
          r.keys += totals[i]!.keys;
          r.bytes += totals[i]!.bytes;
        });
      });
    } finally {
      this.#abort.signal.removeEventListener('abort', onClose);
    }
    const copiedAt = Date.now();
    map = await this.#committer.commit(this.#setStates(wave, () => ArcState.HANDOFF, undefined, ArcState.COPYING), { mustAck: wave.map((m) => m.from) });
    const handoffAt = Date.now();
    const dirty: boolean[] = new Array(wave.length);
    const bySource = new Map<string, ArcMoveState[]>();
    for (const m of wave) bySource.set(m.from, [...(bySource.get(m.from) ?? []), m]);
    await Promise.all([...bySource].map(async ([source, arcs]) => {
      const flags = await this.#topology.shard(source).finishHandoff(map.epoch, arcs);
      arcs.forEach((m, i) => {
        dirty[wave.indexOf(m)] = flags[i] ?? true;
      });
    }));
    const checkedAt = Date.now();
    await this.#committer.commit(this.#setStates(
      wave,
      (m) => (dirty[wave.indexOf(m)] ? ArcState.COPYING : ArcState.DONE),
      (m) => {
        const r = results[wave.indexOf(m)]!;
        return { keysMoved: BigInt(r.keys), bytesMoved: BigInt(r.bytes) };
      },
      ArcState.HANDOFF,
    ), { mustAck: wave.flatMap((m) => [m.to, ...m.targets]).filter(inSync) });
    for (const m of wave) this.#progress.delete(formatArc(m));
    const keys = results.reduce((a, r) => a + r.keys, 0);
    this.#log.info({
      arcs: wave.length, keys, ms: Date.now() - started, handoffMs: Date.now() - handoffAt,
      steps: [copyingAt - started, copiedAt - copyingAt, handoffAt - copiedAt, checkedAt - handoffAt, Date.now() - checkedAt],
      recopy: dirty.filter(Boolean).length,
    }, 'arcs migrated');
  }

  async #finish(): Promise<void> {
    const map = await this.#committer.commit((m) => {
      const ids = new Set(m.nextMembers.map((x) => x.id));
      return {
        ...m,
        members: m.nextMembers.map((x) => ({ ...x, state: 'active' as const })),
        nextMembers: [],
        migrations: [],
        replicationFactor: m.nextReplicationFactor || m.replicationFactor,
        nextReplicationFactor: 0,
        replicaStates: m.replicaStates.filter((r) => ids.has(r.id)),
      };
    });
    this.#log.info({ epoch: map.epoch.toString(), members: map.members.map((m) => m.id) }, 'membership change complete');
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.stop();
  }
}

/**
 * Runs fn over items with at most `limit` in flight; results in input order. The first
 * failure aborts `abort` (so calls in flight can stop) and no further item is started.
 */
async function mapLimit<T, R>(items: T[], limit: number, abort: AbortController, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !abort.signal.aborted) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (err) {
        abort.abort();
        throw err;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  if (abort.signal.aborted) throw new Error('migration wave cancelled');
  return out;
}
