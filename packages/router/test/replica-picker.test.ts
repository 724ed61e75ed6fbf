import { describe, expect, it } from 'vitest';
import { ReplicaPicker } from '../src/replica-picker.js';

const R = ['shard-1', 'shard-2', 'shard-3'] as const;

/** A deterministic [0, 1) sequence. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

function counts(picks: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of picks) out[p] = (out[p] ?? 0) + 1;
  return out;
}

describe('ReplicaPicker', () => {
  it('random: maps the random number onto the replicas ("" means random)', () => {
    const picker = new ReplicaPicker(() => 0, sequence(0, 0.34, 0.99));
    expect([picker.pick(R, 'random'), picker.pick(R, ''), picker.pick(R, 'random')]).toEqual(['shard-1', 'shard-2', 'shard-3']);
  });

  it('random: spreads 3,000 picks over the three replicas', () => {
    const picker = new ReplicaPicker(() => 0);
    const c = counts(Array.from({ length: 3_000 }, () => picker.pick(R, 'random')));
    for (const id of R) expect(c[id], id).toBeGreaterThan(800);
  });

  it('round_robin: each replica in turn, one counter for every key', () => {
    const picker = new ReplicaPicker(() => 0, () => 0);
    expect(Array.from({ length: 6 }, () => picker.pick(R, 'round_robin'))).toEqual([...R, ...R]);
    // Another arc's replicas share the counter (a per-router counter, not per arc).
    const other = ['shard-4', 'shard-5'];
    expect(picker.pick(other, 'round_robin')).toBe('shard-4'); // counter 6 % 2
    expect(picker.pick(other, 'round_robin')).toBe('shard-5');
  });

  it('least_outstanding: the replica with the fewest requests in flight', () => {
    const load: Record<string, number> = { 'shard-1': 5, 'shard-2': 1, 'shard-3': 3 };
    const picker = new ReplicaPicker((id) => load[id]!, () => 0);
    expect(picker.pick(R, 'least_outstanding')).toBe('shard-2');
    load['shard-3'] = 0;
    expect(picker.pick(R, 'least_outstanding')).toBe('shard-3');
  });

  it('least_outstanding: ties are broken at random, among the tied replicas only', () => {
    const load: Record<string, number> = { 'shard-1': 2, 'shard-2': 2, 'shard-3': 7 };
    const picker = new ReplicaPicker((id) => load[id]!);
    const c = counts(Array.from({ length: 2_000 }, () => picker.pick(R, 'least_outstanding')));
    expect(c['shard-3']).toBeUndefined();
    expect(c['shard-1']).toBeGreaterThan(800);
    expect(c['shard-2']).toBeGreaterThan(800);
    // All idle: all three get reads (not always the first).
    load['shard-1'] = load['shard-2'] = load['shard-3'] = 0;
    const idle = counts(Array.from({ length: 3_000 }, () => picker.pick(R, 'least_outstanding')));
    for (const id of R) expect(idle[id], id).toBeGreaterThan(800);
  });

  it('exclude: every policy skips the replica that just failed', () => {
    const load: Record<string, number> = { 'shard-1': 0, 'shard-2': 9, 'shard-3': 9 };
    const picker = new ReplicaPicker((id) => load[id]!);
    for (const policy of ['random', 'round_robin', 'least_outstanding']) {
      const picks = new Set(Array.from({ length: 200 }, () => picker.pick(R, policy, 'shard-1')));
      expect([...picks].sort(), policy).toEqual(['shard-2', 'shard-3']);
    }
    expect(picker.pick(['shard-1', 'shard-2'], 'random', 'shard-1')).toBe('shard-2');
    expect(picker.pick(['shard-1', 'shard-2'], 'round_robin', 'shard-2')).toBe('shard-1');
  });

  it('exclude: a single replica is picked even when excluded, and an unknown exclude changes nothing', () => {
    const picker = new ReplicaPicker(() => 0, sequence(0.99));
    expect(picker.pick(['shard-1'], 'random', 'shard-1')).toBe('shard-1');
    expect(picker.pick(R, 'random', 'shard-9')).toBe('shard-3');
  });
});
