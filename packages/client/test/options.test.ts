import { describe, expect, it } from 'vitest';
import { ErrorCode, RingKvError } from '../src/mod.js';
import { CLIENT_DEFAULTS, readTarget, resolveClientOptions } from '../src/internal-mod.js';
import type { ClientOptions, ReadOptions } from '../src/types.js';

const A = '127.0.0.1:7401';
const B = '127.0.0.1:7402';

function refusal(options: unknown): RingKvError {
  try {
    resolveClientOptions(options as ClientOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(RingKvError);
    expect((err as RingKvError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    return err as RingKvError;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('load balancing options', () => {
  it('defaults to round robin and the ejection defaults', () => {
    const o = resolveClientOptions({ routers: [A] });
    expect(o.loadBalancing).toBe('round_robin');
    expect(o.ejectionBackoffInitialMs).toBe(CLIENT_DEFAULTS.ejectionBackoffInitialMs);
    expect(o.ejectionBackoffMaxMs).toBe(30_000);
    expect(o.healthCheckTimeoutMs).toBe(1_000);
  });

  it('accepts the three policies; weighted keys are normalised like routers', () => {
    expect(resolveClientOptions({ routers: [A, B], loadBalancing: 'random' }).loadBalancing).toBe('random');
    const o = resolveClientOptions({ routers: [` ${A}`, B], loadBalancing: { weighted: { [`${A} `]: 3, [B]: 0.5 } } });
    expect(o.loadBalancing).toEqual({ weighted: { [A]: 3, [B]: 0.5 } });
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['an unknown policy name', 'least_loaded', /`loadBalancing` must be/],
    ['the bare word weighted', 'weighted', /`loadBalancing` must be/],
    ['an array', [A], /`loadBalancing` must be/],
    ['extra keys', { weighted: { [A]: 1, [B]: 1 }, other: 1 }, /`loadBalancing` must be/],
    ['weights that are not an object', { weighted: 3 }, /`loadBalancing` must be/],
    ['a zero weight', { weighted: { [A]: 0, [B]: 1 } }, /weight of 127.0.0.1:7401 must be a positive finite number/],
    ['a negative weight', { weighted: { [A]: -1, [B]: 1 } }, /positive finite/],
    ['an infinite weight', { weighted: { [A]: Infinity, [B]: 1 } }, /positive finite/],
    ['a string weight', { weighted: { [A]: '2', [B]: 1 } }, /positive finite/],
    ['a router not in routers', { weighted: { [A]: 1, [B]: 1, '127.0.0.1:9': 1 } }, /127.0.0.1:9, which is not in `routers`/],
    ['a router without a weight', { weighted: { [A]: 1 } }, /needs a weight for every router.*missing: 127.0.0.1:7402/],
    ['two spellings of one router', { weighted: { [A]: 1, [` ${A}`]: 2, [B]: 1 } }, /two weights for 127.0.0.1:7401/],
    ['a malformed address', { weighted: { nope: 1 } }, /loadBalancing.weighted/],
  ];
  for (const [what, policy, message] of bad) {
    it(`refuses ${what}, naming the option`, () => {
      expect(refusal({ routers: [A, B], loadBalancing: policy }).message).toMatch(message);
    });
  }

  it('refuses bad ejection timings, naming the option', () => {
    expect(refusal({ routers: [A], ejectionBackoffInitialMs: 0 }).message).toMatch(/ejectionBackoffInitialMs/);
    expect(refusal({ routers: [A], ejectionBackoffMaxMs: -5 }).message).toMatch(/ejectionBackoffMaxMs/);
    expect(refusal({ routers: [A], healthCheckTimeoutMs: Number.NaN }).message).toMatch(/healthCheckTimeoutMs/);
    expect(refusal({ routers: [A], ejectionBackoffInitialMs: 500, ejectionBackoffMaxMs: 100 }).message)
      .toMatch(/`ejectionBackoffMaxMs` \(100\) must be at least `ejectionBackoffInitialMs` \(500\)/);
  });
});

describe('readFrom and replicaSelection', () => {
  it('default to the primary and random', () => {
    const o = resolveClientOptions({ routers: [A] });
    expect([o.readFrom, o.replicaSelection]).toEqual(['primary', 'random']);
    expect([CLIENT_DEFAULTS.readFrom, CLIENT_DEFAULTS.replicaSelection]).toEqual(['primary', 'random']);
  });

  it('take every documented value', () => {
    for (const readFrom of ['primary', 'replica'] as const) {
      for (const replicaSelection of ['random', 'round_robin', 'least_outstanding'] as const) {
        const o = resolveClientOptions({ routers: [A], readFrom, replicaSelection });
        expect([o.readFrom, o.replicaSelection]).toEqual([readFrom, replicaSelection]);
      }
    }
  });

  it('refuse anything else, naming the option and the value', () => {
    expect(refusal({ routers: [A], readFrom: 'secondary' }).message).toBe("`readFrom` must be 'primary' or 'replica', got 'secondary'");
    expect(refusal({ routers: [A], readFrom: null }).message).toMatch(/`readFrom` must be 'primary' or 'replica', got null/);
    expect(refusal({ routers: [A], replicaSelection: 'least_loaded' }).message)
      .toBe("`replicaSelection` must be 'random', 'round_robin' or 'least_outstanding', got 'least_loaded'");
    expect(refusal({ routers: [A], replicaSelection: 1 }).message).toMatch(/`replicaSelection` must be .* got 1$/);
  });
});

describe('readTarget: the GetOp fields of one read', () => {
  const primary = { readFrom: 'primary', replicaSelection: 'random' } as const;
  const replica = { readFrom: 'replica', replicaSelection: 'round_robin' } as const;

  it('adds nothing for the primary, readFrom "replica" with the selection for a replica', () => {
    expect(readTarget({}, primary)).toBeUndefined();
    expect(readTarget({ replicaSelection: 'least_outstanding' }, primary)).toBeUndefined();
    expect(readTarget({ readFrom: 'replica' }, primary)).toEqual({ readFrom: 'replica', replicaSelection: 'random' });
    expect(readTarget({}, replica)).toEqual({ readFrom: 'replica', replicaSelection: 'round_robin' });
    expect(readTarget({ replicaSelection: 'least_outstanding' }, replica)).toEqual({ readFrom: 'replica', replicaSelection: 'least_outstanding' });
    expect(readTarget({ readFrom: 'primary' }, replica)).toBeUndefined();
  });

  it('refuses bad per-call values with INVALID_ARGUMENT', () => {
    for (const bad of [{ readFrom: 'any' }, { replicaSelection: 'fastest' }]) {
      let err: unknown;
      try {
        readTarget(bad as ReadOptions, primary);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RingKvError);
      expect((err as RingKvError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });
});
