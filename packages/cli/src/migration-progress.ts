import { formatArc } from '@ringkv/core';
import type { ArcMigration, ClusterStatus } from '@ringkv/client';

/** One arc with its rate (since the previous sample) and time left. */
export interface ArcView {
  /** `(start,end]`. */
  arc: string;
  move: ArcMigration;
  /** 0..1 of the arc's estimated bytes (keys when the estimate has no bytes). */
  done: number;
  /** Undefined until two samples of the arc while copying were seen. */
  keysPerSec: number | undefined;
  bytesPerSec: number | undefined;
  /** Seconds left at the current rate; undefined when unknown (no rate yet). */
  etaSec: number | undefined;
}

/** The whole change at one instant. */
export interface ProgressView {
  epoch: bigint;
  /** Arcs per state (`pending`, `copying`, `handoff`, `done`). */
  states: Record<string, number>;
  arcs: ArcView[];
  keysMoved: bigint;
  bytesMoved: bigint;
  /** The plan's estimate, raised to what was actually moved where that is more. */
  estimatedKeys: bigint;
  estimatedBytes: bigint;
  /** 0..1 of the estimated keys (of the arcs when nothing was estimated). */
  done: number;
  keysPerSec: number;
  bytesPerSec: number;
  etaSec: number | undefined;
  /** The coordinator's last failed step, if it is retrying. */
  error: string | undefined;
}

interface Sample {
  at: number;
  keys: bigint;
  bytes: bigint;
}

/** Rates over this window: long enough to smooth waves, short enough to follow changes. */
const WINDOW_MS = 5_000;

/**
 * Turns successive status snapshots into rates and ETAs. Rates are deltas between samples,
 * so a re-copied arc (its counters restart at 0) never yields a negative rate.
 */
export class MigrationProgress {
  readonly #arcSamples = new Map<string, Sample>();
  readonly #arcRates = new Map<string, { keys: number; bytes: number }>();
  readonly #total: Sample[] = [];

  update(status: ClusterStatus, now = Date.now()): ProgressView {
    const states: Record<string, number> = { pending: 0, copying: 0, handoff: 0, done: 0 };
    const arcs: ArcView[] = [];
    let keysMoved = 0n;
    let bytesMoved = 0n;
    let estimatedKeys = 0n;
    let estimatedBytes = 0n;
    const seen = new Set<string>();
    for (const move of status.migrations) {
      const arc = formatArc(move);
      seen.add(arc);
      states[move.state] = (states[move.state] ?? 0) + 1;
      keysMoved += move.keysMoved;
      bytesMoved += move.bytesMoved;
      estimatedKeys += max(move.estimatedKeys, move.keysMoved);
      estimatedBytes += max(move.estimatedBytes, move.bytesMoved);
      const rate = this.#arcRate(arc, move, now);
      arcs.push({ arc, move, done: arcDone(move), keysPerSec: rate?.keys, bytesPerSec: rate?.bytes, etaSec: arcEta(move, rate) });
    }
    for (const arc of [...this.#arcSamples.keys()]) {
      if (!seen.has(arc)) {
        this.#arcSamples.delete(arc);
        this.#arcRates.delete(arc);
      }
    }
    const total = this.#totalRate({ at: now, keys: keysMoved, bytes: bytesMoved });
    const n = status.migrations.length;
    const done = estimatedKeys > 0n ? ratio(keysMoved, estimatedKeys) : n > 0 ? (states['done'] ?? 0) / n : 1;
    const left = Number(estimatedKeys - keysMoved);
    const etaSec = n === 0 ? 0 : total.keys > 0 ? left / total.keys : undefined;
    return {
      epoch: status.epoch,
      states,
      arcs,
      keysMoved,
      bytesMoved,
      estimatedKeys,
      estimatedBytes,
      done,
      keysPerSec: total.keys,
      bytesPerSec: total.bytes,
      etaSec,
      error: status.migrationError,
    };
  }

  #arcRate(arc: string, move: ArcMigration, now: number): { keys: number; bytes: number } | undefined {
    const prev = this.#arcSamples.get(arc);
    this.#arcSamples.set(arc, { at: now, keys: move.keysMoved, bytes: move.bytesMoved });
    if (move.state !== 'copying') {
      this.#arcRates.delete(arc);
      return undefined;
    }
    if (!prev || now <= prev.at) return this.#arcRates.get(arc);
    const secs = (now - prev.at) / 1000;
    const fresh = { keys: positive(move.keysMoved - prev.keys) / secs, bytes: positive(move.bytesMoved - prev.bytes) / secs };
    const old = this.#arcRates.get(arc);
    // Exponential smoothing: one slow poll does not swing the ETA.
    const rate = old ? { keys: (old.keys + fresh.keys) / 2, bytes: (old.bytes + fresh.bytes) / 2 } : fresh;
    this.#arcRates.set(arc, rate);
    return rate;
  }

  #totalRate(sample: Sample): { keys: number; bytes: number } {
    this.#total.push(sample);
    while (this.#total.length > 2 && sample.at - this.#total[1]!.at >= WINDOW_MS) this.#total.shift();
    const first = this.#total[0]!;
    const secs = (sample.at - first.at) / 1000;
    if (secs <= 0) return { keys: 0, bytes: 0 };
    return { keys: positive(sample.keys - first.keys) / secs, bytes: positive(sample.bytes - first.bytes) / secs };
  }
}

function arcDone(m: ArcMigration): number {
  if (m.state === 'done') return 1;
  if (m.estimatedBytes > 0n) return Math.min(1, ratio(m.bytesMoved, m.estimatedBytes));
  if (m.estimatedKeys > 0n) return Math.min(1, ratio(m.keysMoved, m.estimatedKeys));
  return m.state === 'handoff' ? 1 : 0;
}

function arcEta(m: ArcMigration, rate: { keys: number; bytes: number } | undefined): number | undefined {
  if (m.state === 'done') return 0;
  if (!rate) return undefined;
  if (rate.bytes > 0 && m.estimatedBytes > 0n) return Number(positive(m.estimatedBytes - m.bytesMoved)) / rate.bytes;
  if (rate.keys > 0 && m.estimatedKeys > 0n) return Number(positive(m.estimatedKeys - m.keysMoved)) / rate.keys;
  return undefined;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const positive = (n: bigint) => (n > 0n ? Number(n) : 0);
const ratio = (a: bigint, b: bigint) => (b === 0n ? 0 : Math.min(1, Number(a) / Number(b)));
