import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, RingKvError } from '../src/mod.js';
import {
  RouterPool, WeightedLoadBalancer, ejectionBackoffMs, markRouterFailure, notSentError, shouldRetry,
  type HealthStatus, type RouterTransport,
} from '../src/internal-mod.js';

type WatchEvent = HealthStatus | 'FAILED' | 'UNIMPLEMENTED';

/** A RouterTransport with no network: health is scripted; data methods are never called here. */
class FakeTransport implements RouterTransport {
  health: HealthStatus | Error = 'SERVING';
  checks = 0;
  watches = 0;
  stopped = 0;
  closed = false;
  #listener: ((s: WatchEvent) => void) | undefined;

  constructor(readonly address: string) {}

  connect(): Promise<void> {
    return Promise.resolve();
  }
  execute(): never {
    throw new Error('not used');
  }
  scan(): never {
    throw new Error('not used');
  }
  status(): never {
    throw new Error('not used');
  }
  clusterMap(): never {
    throw new Error('not used');
  }
  changeMembership(): never {
    throw new Error('not used');
  }
  checkHealth(): Promise<HealthStatus> {
    this.checks++;
    return this.health instanceof Error ? Promise.reject(this.health) : Promise.resolve(this.health);
  }
  watchHealth(listener: (s: WatchEvent) => void): () => void {
    this.watches++;
    this.#listener = listener;
    return () => {
      this.stopped++;
      this.#listener = undefined;
    };
  }
  /** What the router's Watch stream would report (never synchronously, as with gRPC). */
  async report(s: WatchEvent): Promise<void> {
    await Promise.resolve();
    this.#listener?.(s);
  }
  get watching(): boolean {
    return this.#listener !== undefined;
  }
  close(): void {
    this.closed = true;
  }
}

const OPTS = { backoffInitialMs: 250, backoffMaxMs: 2_000, healthCheckTimeoutMs: 100, random: () => 0.5 };
const lostConnection = (address: string) => markRouterFailure(new RingKvError(ErrorCode.UNAVAILABLE, `router ${address}: connection lost`));

/** Lets promise callbacks (health checks) run under fake timers. */
const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('RouterPool ejection', () => {
  let a: FakeTransport;
  let b: FakeTransport;
  let pool: RouterPool;

  beforeEach(() => {
    vi.useFakeTimers();
    a = new FakeTransport('127.0.0.1:1');
    b = new FakeTransport('127.0.0.1:2');
    pool = new RouterPool([a, b], undefined, OPTS);
  });
  afterEach(() => {
    pool.close();
    vi.useRealTimers();
  });

  const picks = (n: number) => Array.from({ length: n }, () => pool.pick().address);

  it('spreads over both while healthy, and watches both', () => {
    expect(new Set(picks(4))).toEqual(new Set([a.address, b.address]));
    expect(a.watches).toBe(1);
    expect(b.watches).toBe(1);
  });

  it('a failure of the router itself ejects it: no traffic until a health check says SERVING', async () => {
    pool.sent(a, 10);
    pool.settled(a, 10, lostConnection(a.address));
    expect(pool.isEjected(a)).toBe(true);
    expect(a.watching).toBe(false);
    expect(new Set(picks(20))).toEqual(new Set([b.address]));
    const s = pool.stats()[0]!;
    expect(s).toMatchObject({ state: 'ejected', ejections: 1, failures: 1, failedOperations: 10, inFlightOperations: 0, batches: 1, operations: 10 });
    expect(s.ejectedUntil).toBe(Date.now() + 250);
    expect(s.lastFailure).toMatch(/connection lost/);

    a.health = 'NOT_SERVING';
    await vi.advanceTimersByTimeAsync(250);
    await flush();
    expect(a.checks).toBe(1);
    expect(pool.isEjected(a)).toBe(true);
    // The failed check doubled the backoff: the next check comes 500 ms later, not before.
    expect(pool.stats()[0]!.ejectedUntil).toBe(Date.now() + 500);
    a.health = 'SERVING';
    await vi.advanceTimersByTimeAsync(499);
    expect(a.checks).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(a.checks).toBe(2);
    expect(pool.isEjected(a)).toBe(false);
    expect(a.watches).toBe(2);
    expect(pool.stats()[0]).toMatchObject({ state: 'healthy', ejections: 1 });
    expect(pool.stats()[0]!.ejectedUntil).toBeUndefined();
    expect(new Set(picks(4))).toEqual(new Set([a.address, b.address]));
  });

  it('an answer from the router, even UNAVAILABLE about a shard, does not eject it', () => {
    pool.sent(a, 1);
    pool.settled(a, 1, new RingKvError(ErrorCode.UNAVAILABLE, 'shard shard-2 is unreachable'));
    pool.sent(a, 0);
    pool.settled(a, 0, new RingKvError(ErrorCode.DEADLINE_EXCEEDED, 'slow'));
    expect(pool.isEjected(a)).toBe(false);
    expect(pool.stats()[0]).toMatchObject({ failures: 0, calls: 1, batches: 1 });
  });

  it('NOT_SERVING or a broken Watch stream ejects; UNIMPLEMENTED only stops watching', async () => {
    await a.report('NOT_SERVING');
    expect(pool.isEjected(a)).toBe(true);
    expect(pool.stats()[0]!.lastFailure).toMatch(/NOT_SERVING/);
    expect(a.stopped).toBe(1);
    await b.report('FAILED');
    expect(pool.isEjected(b)).toBe(true);
    const c = new FakeTransport('127.0.0.1:3');
    const other = new RouterPool([c], undefined, OPTS);
    await c.report('UNIMPLEMENTED');
    expect(other.isEjected(c)).toBe(false);
    expect(c.watching).toBe(false);
    other.close();
  });

  it('when every router is ejected, traffic still goes to them (spread as before)', () => {
    pool.eject(a, 'test');
    pool.eject(b, 'test');
    expect(new Set(picks(4))).toEqual(new Set([a.address, b.address]));
    expect(pool.pick(new Set([a])).address).toBe(b.address);
  });

  it('backoff doubles per failed check up to the max, and a success after re-admission resets it', async () => {
    a.health = new RingKvError(ErrorCode.UNAVAILABLE, 'refused');
    pool.eject(a, 'down');
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const until = pool.stats()[0]!.ejectedUntil!;
      waits.push(until - Date.now());
      await vi.advanceTimersByTimeAsync(until - Date.now());
      await flush();
    }
    expect(waits).toEqual([250, 500, 1000, 2000, 2000]);
    a.health = 'SERVING';
    await vi.advanceTimersByTimeAsync(2000);
    await flush();
    expect(pool.isEjected(a)).toBe(false);
    pool.sent(a, 1);
    pool.settled(a, 1);
    pool.eject(a, 'again');
    expect(pool.stats()[0]!.ejectedUntil! - Date.now()).toBe(250);
    expect(pool.stats()[0]!.ejections).toBe(2);
  });

  it('close() stops the health checks and watches and closes the routers', async () => {
    pool.eject(a, 'down');
    pool.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(a.checks).toBe(0);
    expect(b.stopped).toBe(1);
    expect(a.closed && b.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('weights apply to the admitted routers only', () => {
    const c = new FakeTransport('127.0.0.1:3');
    const weighted = new RouterPool([a, b, c], new WeightedLoadBalancer({ [a.address]: 3, [b.address]: 1, [c.address]: 1 }), OPTS);
    weighted.eject(c, 'down');
    const got = Array.from({ length: 400 }, () => weighted.pick().address);
    expect(got.filter((x) => x === a.address)).toHaveLength(300);
    expect(got.filter((x) => x === c.address)).toHaveLength(0);
    weighted.close();
  });
});

describe('ejection backoff and retry rules', () => {
  it('jitters each backoff by up to 20% either way, never above the max', () => {
    const o = { backoffInitialMs: 1000, backoffMaxMs: 30_000, healthCheckTimeoutMs: 1 };
    expect(ejectionBackoffMs(1, o, () => 0)).toBe(800);
    expect(ejectionBackoffMs(1, o, () => 0.999999)).toBe(1200);
    expect(ejectionBackoffMs(3, o, () => 0.5)).toBe(4000);
    expect(ejectionBackoffMs(40, o, () => 0.999999)).toBe(30_000);
  });

  it('UNAVAILABLE: reads retry once per other router; writes only when provably not sent', () => {
    const sent = lostConnection('a');
    const notSent = notSentError('a', 'connection failed');
    const answer = new RingKvError(ErrorCode.UNAVAILABLE, 'shard down');
    expect(shouldRetry(sent, true, 1, 2)).toBe(true);
    expect(shouldRetry(sent, true, 2, 2)).toBe(false);
    expect(shouldRetry(sent, false, 1, 2)).toBe(false);
    expect(shouldRetry(answer, false, 1, 2)).toBe(false);
    expect(shouldRetry(notSent, false, 1, 2)).toBe(true);
    expect(shouldRetry(notSent, false, 2, 2)).toBe(false);
    expect(notSent.code).toBe(ErrorCode.UNAVAILABLE);
  });
});
