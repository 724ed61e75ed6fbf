import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, RingKvClient, RingKvError } from '../src/mod.js';
import { startFakeRouter, type FakeRouter } from './fake-router.js';

async function errorOf(p: Promise<unknown>): Promise<RingKvError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RingKvError);
    return err as RingKvError;
  }
  throw new Error('expected a rejection');
}

/** Counts what the hot path must not make per call while `fn` runs. */
async function countPerCallObjects(fn: () => Promise<void>) {
  const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
  const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
  const timeoutSignalSpy = vi.spyOn(AbortSignal, 'timeout');
  const anySignalSpy = vi.spyOn(AbortSignal, 'any');
  // A counting subclass rather than a spy: the code under test must still get working controllers.
  const Real = globalThis.AbortController;
  let controllers = 0;
  globalThis.AbortController = class extends Real {
    constructor() {
      super();
      controllers++;
    }
  };
  try {
    await fn();
    return {
      timers: setTimeoutSpy.mock.calls.length + setIntervalSpy.mock.calls.length,
      signals: controllers + timeoutSignalSpy.mock.calls.length + anySignalSpy.mock.calls.length,
    };
  } finally {
    globalThis.AbortController = Real;
    vi.restoreAllMocks();
  }
}

describe('the per-call path: one shared deadline timer, no AbortSignal without a caller signal', () => {
  let router: FakeRouter;
  let client: RingKvClient;

  beforeEach(async () => {
    router = await startFakeRouter();
    client = await RingKvClient.connect({ routers: [router.address], timeoutMs: 30_000 });
    await client.put('warm', 'up'); // arms the client's deadline timer once
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await client.close();
    await router.close();
  });

  it('the counting spies see what they count (so the next test can fail)', async () => {
    const seen = await countPerCallObjects(async () => {
      new AbortController().abort();
      await new Promise((r) => setTimeout(r, 1));
    });
    expect(seen).toEqual({ timers: 1, signals: 1 });
  });

  it('get, getEntry, put, delete, batchGet and batchPut make no AbortController or AbortSignal and arm no timer per call', async () => {
    const calls = { n: 0 };
    const seen = await countPerCallObjects(async () => {
      for (let i = 0; i < 150; i++) {
        await client.put(`k${i}`, `v${i}`);
        expect((await client.get(`k${i}`))?.toString()).toBe(`v${i}`);
        await client.getEntry(`k${i}`);
        calls.n += 3;
      }
      await Promise.all(Array.from({ length: 150 }, (_, i) => client.delete(`k${i}`, i % 2 ? {} : { timeoutMs: 20_000 })));
      calls.n += 150;
      for (let i = 0; i < 20; i++) {
        await client.batchPut([{ key: `b${i}`, value: 'x' }, { key: `c${i}`, value: 'y' }]);
        await client.batchGet([`b${i}`, `c${i}`, 'none']);
        calls.n += 2;
      }
      // TRY_AGAIN backs off on a timer of its own: that is a retry, not the happy path.
    });
    expect(calls.n).toBe(640);
    expect(seen.signals).toBe(0);
    // Calls whose deadline is not earlier than the armed one never touch the timer; the
    // shorter timeoutMs above (an earlier deadline) may re-arm it once.
    expect(seen.timers).toBeLessThanOrEqual(2);
  });

  it('a caller signal gets exactly one listener per call, removed when the call settles', async () => {
    const ac = new AbortController();
    const add = vi.spyOn(ac.signal, 'addEventListener');
    const seen = await countPerCallObjects(async () => {
      for (let i = 0; i < 20; i++) {
        const p = client.put(`s${i}`, 'v', { signal: ac.signal });
        expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
        await p;
        expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
      }
      const batch = client.batchGet(['s1', 's2', 's3'], { signal: ac.signal });
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
      await batch;
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    });
    expect(add).toHaveBeenCalledTimes(21);
    expect(seen.signals).toBe(0);
    expect(seen.timers).toBe(0);
  });

  it('calls expire at their own deadlines from the shared timer, with the documented error', async () => {
    router.delayMs = 1000;
    const t0 = Date.now();
    const timed = (p: Promise<unknown>) => errorOf(p).then((err) => ({ err, ms: Date.now() - t0 }));
    const [a, b, c, d] = await Promise.all([
      timed(client.get('k', { timeoutMs: 150 })),
      timed(client.put('k', 'v', { timeoutMs: 50 })),
      timed(client.delete('k', { timeoutMs: 100 })),
      timed(client.batchGet(['x', 'y'], { timeoutMs: 80 })),
    ]);
    expect([a, b, c, d].map((r) => r.err.code)).toEqual(Array(4).fill(ErrorCode.DEADLINE_EXCEEDED));
    expect(a.err.message).toBe('get timed out after 150 ms (timeoutMs)');
    expect(b.err.message).toBe('put timed out after 50 ms (timeoutMs)');
    expect(c.err.message).toBe('delete timed out after 100 ms (timeoutMs)');
    expect(d.err.message).toBe('batchGet: 2 of 2 failed; first keys[0]: batchGet timed out after 80 ms (timeoutMs)');
    // Each at its own deadline (not at a coarse tick, and not all at the latest one).
    expect(b.ms).toBeGreaterThanOrEqual(49);
    expect(d.ms).toBeGreaterThanOrEqual(79);
    expect(c.ms).toBeGreaterThanOrEqual(99);
    expect(a.ms).toBeGreaterThanOrEqual(149);
    expect(b.ms).toBeLessThan(c.ms);
    expect(c.ms).toBeLessThan(a.ms);
    expect(a.ms).toBeLessThan(900);
  });

  it('a call that keeps getting TRY_AGAIN ends at its deadline, during a backoff', async () => {
    for (let i = 0; i < 20; i++) router.opErrors.push({ code: ErrorCode.TRY_AGAIN });
    const t0 = Date.now();
    const err = await errorOf(client.put('busy', 'v', { timeoutMs: 60 }));
    expect(err.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(err.message).toBe('put timed out after 60 ms (timeoutMs)');
    expect(Date.now() - t0).toBeLessThan(1000);
    const sent = router.executeBatches.length;
    await new Promise((r) => setTimeout(r, 300));
    // No attempt after the deadline (its backoff timer was cleared).
    expect(router.executeBatches.length).toBe(sent);
  });

  it('a caller abort fails the call with CANCELLED at once, or with its RingKvError reason', async () => {
    router.delayMs = 500;
    const ac = new AbortController();
    const t0 = Date.now();
    const p = errorOf(client.get('k', { signal: ac.signal }));
    setTimeout(() => ac.abort(), 20);
    const err = await p;
    expect(err.code).toBe(ErrorCode.CANCELLED);
    expect(err.message).toBe('the operation was aborted');
    expect(Date.now() - t0).toBeLessThan(400);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);

    const custom = new AbortController();
    const q = errorOf(client.batchPut([{ key: 'a', value: '1' }], { signal: custom.signal }));
    custom.abort(new RingKvError(ErrorCode.UNAVAILABLE, 'shutting down'));
    const e2 = await q;
    expect(e2.code).toBe(ErrorCode.UNAVAILABLE);
    expect(e2.message).toBe('batchPut: 1 of 1 failed (the entries that did not fail were applied); first entries[0]: shutting down');

    // An aborted signal fails before anything is queued.
    const before = router.executeBatches.length;
    expect((await errorOf(client.delete('k', { signal: AbortSignal.abort() }))).code).toBe(ErrorCode.CANCELLED);
    expect((await errorOf(client.batchGet(['k'], { signal: AbortSignal.abort() }))).code).toBe(ErrorCode.CANCELLED);
    await new Promise((r) => setImmediate(r));
    expect(router.executeBatches.length).toBe(before);
  });

  it('an operation cancelled while still queued is not sent', async () => {
    const ac = new AbortController();
    router.executeBatches.length = 0;
    const cancelled = errorOf(client.put('never', 'sent', { signal: ac.signal }));
    const other = client.put('sent', 'yes');
    ac.abort();
    expect((await cancelled).code).toBe(ErrorCode.CANCELLED);
    await other;
    expect(router.executeBatches).toEqual([1]);
    expect(router.data.has(Buffer.from('never').toString('hex'))).toBe(false);
  });

  it('close() ends pending calls with CLOSED and leaves no timer holding the process', async () => {
    router.delayMs = 500;
    const pending = [errorOf(client.get('k')), errorOf(client.batchGet(['a', 'b'])), errorOf(client.put('k', 'v', { timeoutMs: 10_000 }))];
    await new Promise((r) => setTimeout(r, 20));
    await client.close();
    const errs = await Promise.all(pending);
    expect(errs.map((e) => e.code)).toEqual([ErrorCode.CLOSED, ErrorCode.CLOSED, ErrorCode.CLOSED]);
    expect(errs[0]!.message).toBe('the client was closed');
  });
});
