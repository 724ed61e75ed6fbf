import { describe, expect, it } from 'vitest';
import { HybridLogicalClock } from '@ringkv/core';

function strictlyIncreasing(clock: HybridLogicalClock, n: number, tick: () => void = () => {}): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) {
    tick();
    out.push(clock.now());
  }
  for (let i = 1; i < out.length; i++) expect(out[i]! > out[i - 1]!).toBe(true);
  return out;
}

describe('HybridLogicalClock', () => {
  it('stamps the wall clock in the high 48 bits', () => {
    const clock = new HybridLogicalClock(() => 1_700_000_000_123);
    const v = clock.now();
    expect(v).toBe(1_700_000_000_123n << 16n);
    expect(HybridLogicalClock.physicalMs(v)).toBe(1_700_000_000_123);
    expect(clock.last).toBe(v);
  });

  it('is strictly increasing with the real clock over many calls', () => {
    strictlyIncreasing(new HybridLogicalClock(), 100_000);
  });

  it('is strictly increasing when the wall clock stands still', () => {
    const clock = new HybridLogicalClock(() => 5_000);
    const vs = strictlyIncreasing(clock, 10_000);
    // The logical counter advances by exactly one.
    expect(vs[vs.length - 1]! - vs[0]!).toBe(9_999n);
    expect(HybridLogicalClock.physicalMs(vs[0]!)).toBe(5_000);
  });

  it('is strictly increasing when the wall clock goes backwards', () => {
    let wall = 1_000_000;
    const clock = new HybridLogicalClock(() => wall);
    const before = clock.now();
    wall -= 60_000; // an NTP step back
    const after = strictlyIncreasing(clock, 1000);
    expect(after[0]! > before).toBe(true);
    // Jittering clock.
    let i = 0;
    const jitter = [0, -3, 5, -10, 2, 2, -1];
    strictlyIncreasing(clock, 5000, () => {
      wall += jitter[i++ % jitter.length]!;
    });
  });

  it('follows the wall clock again once it passes the last stamp', () => {
    let wall = 10;
    const clock = new HybridLogicalClock(() => wall);
    clock.now();
    clock.now();
    wall = 11;
    expect(clock.now()).toBe(11n << 16n);
  });

  it('observe() moves the clock past a version seen elsewhere', () => {
    const clock = new HybridLogicalClock(() => 1_000);
    const remote = (1_000_000n << 16n) + 7n;
    clock.observe(remote);
    const next = clock.now();
    expect(next > remote).toBe(true);
    // An older version does not move it back.
    clock.observe(5n);
    expect(clock.now() > next).toBe(true);
    expect(clock.last > remote).toBe(true);
  });
});
