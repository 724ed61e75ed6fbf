import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, RingKvError } from '../src/mod.js';
import { CallContext, callRegistry, withCall } from '../src/internal-mod.js';

describe('CallContext on the shared registry', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 5_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires at its deadline with the documented DEADLINE_EXCEEDED; dispose() before that keeps it from expiring', () => {
    const registry = callRegistry();
    const late = new CallContext('get', 100, undefined, registry);
    const early = new CallContext('put', 50, undefined, registry);
    const done = new CallContext('delete', 10, undefined, registry);
    done.dispose();
    expect(registry.size).toBe(2);
    vi.advanceTimersByTime(50);
    expect(early.reason?.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(early.reason?.message).toBe('put timed out after 50 ms (timeoutMs)');
    expect(late.reason).toBeUndefined();
    vi.advanceTimersByTime(50);
    expect(late.reason?.message).toBe('get timed out after 100 ms (timeoutMs)');
    expect(done.reason).toBeUndefined();
    expect(registry.size).toBe(0);
  });

  it('failure(): the reason once aborted, the call\'s DEADLINE_EXCEEDED once past the deadline (even before the timer ran), else the error', () => {
    const registry = callRegistry();
    const ctx = new CallContext('batchGet', 200, undefined, registry);
    const other = new RingKvError(ErrorCode.UNAVAILABLE, 'router gone; the request was not sent');
    expect(ctx.failure(other)).toBe(other);
    vi.setSystemTime(Date.now() + 200); // the clock moves, the timer has not run yet
    const f = ctx.failure(other);
    expect(f.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(f.message).toBe('batchGet timed out after 200 ms (timeoutMs)');
    expect(ctx.reason).toBe(f);
    expect(registry.size).toBe(0);
  });

  it('listens to the caller\'s signal with itself, once, and stops on dispose', () => {
    const registry = callRegistry();
    const ac = new AbortController();
    const a = new CallContext('get', 1000, ac.signal, registry);
    const b = new CallContext('put', 1000, ac.signal, registry);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(2);
    b.dispose();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    ac.abort();
    expect(a.reason?.code).toBe(ErrorCode.CANCELLED);
    expect(b.reason).toBeUndefined();
    expect(registry.size).toBe(0);
  });

  it('a signal already aborted ends the call before it starts, without registering it', () => {
    const registry = callRegistry();
    const ctx = new CallContext('get', 1000, AbortSignal.abort(new RingKvError(ErrorCode.CLOSED, 'bye')), registry);
    expect(ctx.reason?.message).toBe('bye');
    expect(() => ctx.throwIfAborted()).toThrow('bye');
    expect(registry.size).toBe(0);
  });

  it('makes an AbortSignal only when asked, aborted with the call (also when asked after)', () => {
    const registry = callRegistry();
    const ctx = new CallContext('scan', 1000, undefined, registry);
    const signal = ctx.signal;
    expect(signal.aborted).toBe(false);
    const reason = new RingKvError(ErrorCode.CLOSED, 'the client was closed');
    ctx.abort(reason);
    expect(signal.reason).toBe(reason);
    const after = new CallContext('scan', 1000, undefined, registry);
    after.abort(reason);
    expect(after.signal.aborted).toBe(true);
    ctx.abort(new RingKvError(ErrorCode.CANCELLED, 'second')); // the first reason stays
    expect(ctx.reason).toBe(reason);
  });

  it('drain() on close aborts every call in progress', () => {
    const registry = callRegistry();
    const calls = [new CallContext('get', 10, undefined, registry), new CallContext('put', 1000, undefined, registry)];
    const reason = new RingKvError(ErrorCode.CLOSED, 'the client was closed');
    registry.drain((c) => c.abort(reason));
    registry.stop();
    expect(calls.map((c) => c.reason)).toEqual([reason, reason]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('withCall (scans, admin, blocking pops)', () => {
  it('reports a failure after the deadline as the call\'s DEADLINE_EXCEEDED, and rejects at the deadline through ctx.signal', async () => {
    const registry = callRegistry();
    const err = await withCall('scan', 30, undefined, registry, async () => {
      await new Promise((r) => setTimeout(r, 40));
      throw new RingKvError(ErrorCode.DEADLINE_EXCEEDED, 'router 127.0.0.1:1: Deadline exceeded');
    }).catch((e: RingKvError) => e);
    expect(err.message).toBe('scan timed out after 30 ms (timeoutMs)');
    const t0 = Date.now();
    const viaSignal = await withCall('status', 30, undefined, registry, (ctx) => new Promise((_, reject) => {
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
    })).catch((e: RingKvError) => e);
    expect((viaSignal as RingKvError).message).toBe('status timed out after 30 ms (timeoutMs)');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(29);
    expect(registry.size).toBe(0);
  });
});
