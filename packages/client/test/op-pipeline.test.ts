import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, RingKvError, type Op, type OpResult__Output } from '@ringkv/core';
import { OpPipeline, RouterPool, callRegistry, type RouterTransport } from '../src/internal-mod.js';

/** A router the test answers by hand: each execute() waits until `answer()` is called. */
class HandTransport {
  readonly batches: Array<{ ops: Op[]; answer: (results: Array<Partial<OpResult__Output>>) => void }> = [];
  #waiters: Array<() => void> = [];
  constructor(readonly address: string) {}
  connect(): Promise<void> {
    return Promise.resolve();
  }
  execute(ops: Op[]): Promise<OpResult__Output[]> {
    return new Promise((resolve) => {
      this.batches.push({ ops, answer: (rs) => resolve(rs.map((r) => ({ found: false, version: '0', errorCode: '', errorMessage: '', ...r }) as OpResult__Output)) });
      for (const w of this.#waiters.splice(0)) w();
    });
  }
  /** Resolves once `n` batches have arrived. */
  async batchesReach(n: number): Promise<void> {
    while (this.batches.length < n) await new Promise<void>((r) => this.#waiters.push(r));
  }
  checkHealth(): Promise<'SERVING'> {
    return Promise.resolve('SERVING');
  }
  watchHealth(): () => void {
    return () => undefined;
  }
  close(): void {}
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

const get = (k: string): Op => ({ get: { key: Buffer.from(k) } });

function pipelineOver(...routers: HandTransport[]) {
  const calls = callRegistry();
  const pipeline = new OpPipeline(new RouterPool(routers as unknown as RouterTransport[]), calls);
  return { pipeline, calls };
}

describe('OpPipeline', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('an answer that arrives after the deadline, before the shared timer ran, fails as the call\'s DEADLINE_EXCEEDED', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const r = new HandTransport('127.0.0.1:1');
    const { pipeline, calls } = pipelineOver(r);
    const single = pipeline.single('put', 100, undefined, { put: { key: Buffer.from('k'), value: Buffer.from('v'), ttlMs: '0' } }, false)
      .catch((e: RingKvError) => e);
    const batch = pipeline.many('batchGet', 100, undefined, [get('a'), get('b')], true);
    await r.batchesReach(1);
    expect(r.batches[0]!.ops).toHaveLength(3);
    vi.setSystemTime(Date.now() + 150); // past both deadlines; no timer has run
    r.batches[0]!.answer([{ errorCode: ErrorCode.CONFLICT, errorMessage: 'version is 7' }, { errorCode: ErrorCode.UNAVAILABLE, errorMessage: 'shard down' }, { found: false }]);
    const err = (await single) as RingKvError;
    expect(err.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(err.message).toBe('put timed out after 100 ms (timeoutMs)');
    const outcomes = await batch;
    expect(outcomes.map((o) => (o as RingKvError).message)).toEqual([
      'batchGet timed out after 100 ms (timeoutMs)', 'batchGet timed out after 100 ms (timeoutMs)',
    ]);
    expect(calls.size).toBe(0);
  });

  it('TRY_AGAIN backs off and tries again', async () => {
    const r = new HandTransport('127.0.0.1:1');
    const { pipeline, calls } = pipelineOver(r);
    const p = pipeline.single('get', 5000, undefined, get('k'), true);
    await r.batchesReach(1);
    r.batches[0]!.answer([{ errorCode: ErrorCode.TRY_AGAIN, errorMessage: 'hand-off' }]);
    await r.batchesReach(2);
    r.batches[1]!.answer([{ found: true, value: Buffer.from('v') }]);
    expect((await p).found).toBe(true);
    expect(calls.size).toBe(0);
  });

  it('UNAVAILABLE moves a read to the other router at once', async () => {
    const a = new HandTransport('127.0.0.1:1');
    const b = new HandTransport('127.0.0.1:2');
    const { pipeline } = pipelineOver(a, b);
    const p = pipeline.single('get', 5000, undefined, get('k'), true);
    await until(() => a.batches.length + b.batches.length === 1);
    const [first, other] = a.batches.length === 1 ? [a, b] : [b, a];
    first.batches[0]!.answer([{ errorCode: ErrorCode.UNAVAILABLE, errorMessage: 'shard down' }]);
    await other.batchesReach(1);
    other.batches[0]!.answer([{ found: true, value: Buffer.from('v') }]);
    expect((await p).found).toBe(true);
    expect(first.batches).toHaveLength(1);
  });

  it('close() fails what is queued with the reason and refuses new calls', async () => {
    const r = new HandTransport('127.0.0.1:1');
    const { pipeline } = pipelineOver(r);
    const reason = new RingKvError(ErrorCode.CLOSED, 'the client was closed');
    const queued = pipeline.single('get', 5000, undefined, get('k'), true).catch((e: RingKvError) => e);
    pipeline.close(reason);
    expect(await queued).toBe(reason);
    expect(await pipeline.single('get', 5000, undefined, get('k'), true).catch((e: RingKvError) => e)).toBe(reason);
    expect(r.batches).toHaveLength(0);
  });
});
