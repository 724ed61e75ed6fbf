import { describe, expect, it } from 'vitest';
import { InFlightLimiter } from '@ringkv/core';

describe('InFlightLimiter', () => {
  it('admits work up to maxInFlightOps, then refuses with RESOURCE_EXHAUSTED until some is released', () => {
    const l = new InFlightLimiter({ maxInFlightOps: 10, maxInFlightBytes: 1_000 });
    expect(l.tryAcquire(6, 10)).toBeUndefined();
    expect(l.tryAcquire(4, 10)).toBeUndefined();
    const refused = l.tryAcquire(1, 1);
    expect(refused?.code).toBe('RESOURCE_EXHAUSTED');
    expect(refused?.message).toMatch(/maxInFlightOps 10/);
    expect(l.shed).toBe(1);
    l.release(4, 10);
    expect(l.tryAcquire(4, 10)).toBeUndefined();
    expect(l.ops).toBe(10);
  });

  it('refuses beyond maxInFlightBytes, but admits one oversized request when idle', () => {
    const l = new InFlightLimiter({ maxInFlightOps: 100, maxInFlightBytes: 100 });
    expect(l.tryAcquire(1, 5_000)).toBeUndefined();
    expect(l.tryAcquire(1, 1)?.message).toMatch(/maxInFlightBytes 100/);
    l.release(1, 5_000);
    expect(l.tryAcquire(1, 60)).toBeUndefined();
    expect(l.tryAcquire(1, 60)?.code).toBe('RESOURCE_EXHAUSTED');
    expect(l.tryAcquire(1, 40)).toBeUndefined();
    expect({ ops: l.ops, bytes: l.bytes }).toEqual({ ops: 2, bytes: 100 });
  });
});
