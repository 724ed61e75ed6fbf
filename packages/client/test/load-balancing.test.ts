import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, RingKvClient, RingKvError } from '../src/mod.js';
import { GrpcRouterTransport, isRouterFailure, wasNotSent } from '../src/internal-mod.js';
import { startFakeRouter, type FakeRouter } from './fake-router.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const portOf = (address: string) => Number(address.split(':')[1]);

/** Two fake routers over real gRPC: ejection, re-admission and retries as the SDK does them. */
describe('load balancing over two routers', () => {
  let a: FakeRouter;
  let b: FakeRouter;
  let client: RingKvClient;

  beforeEach(async () => {
    a = await startFakeRouter();
    b = await startFakeRouter();
    client = await RingKvClient.connect({
      routers: [a.address, b.address], timeoutMs: 3_000, ejectionBackoffInitialMs: 100, ejectionBackoffMaxMs: 400,
    });
  });
  afterEach(async () => {
    await client.close();
    await a.close();
    await b.close();
  });

  const stats = (r: FakeRouter) => client.routerStats().find((s) => s.address === r.address)!;

  it('a router that reports NOT_SERVING gets no traffic until it reports SERVING again', async () => {
    await until('both watched', () => client.routerStats().every((s) => s.state === 'healthy'));
    a.setServing('NOT_SERVING');
    await until('a ejected', () => stats(a).state === 'ejected');
    expect(stats(a).lastFailure).toMatch(/NOT_SERVING/);
    const before = a.executeBatches.length;
    for (let i = 0; i < 20; i++) await client.put(`k${i}`, 'v');
    expect(a.executeBatches.length).toBe(before);
    expect(stats(b).operations).toBeGreaterThanOrEqual(20);
    a.setServing('SERVING');
    await until('a re-admitted', () => stats(a).state === 'healthy', 3_000);
    for (let i = 0; i < 20; i++) await client.get(`k${i}`);
    expect(a.executeBatches.length).toBeGreaterThanOrEqual(before + 5);
  });

  it('a killed router: reads move to the other, it is ejected, later writes are not lost on it, and it comes back', async () => {
    await client.put('x', '1');
    const port = portOf(a.address);
    a.kill();
    // Reads never fail: one that hits the dead router moves to the other.
    for (let i = 0; i < 20; i++) expect(await client.get(`r${i}`)).toBeUndefined();
    await until('a ejected', () => stats(a).state === 'ejected');
    // Writes issued after the ejection go to b only, and all succeed.
    const writes = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => client.put(`w${i}`, 'v')));
    expect(writes.every((w) => w.status === 'fulfilled')).toBe(true);
    expect(stats(a).failedOperations).toBeLessThanOrEqual(1);
    const dataOfB = b.data.size;
    expect(dataOfB).toBeGreaterThanOrEqual(50);
    a = await startFakeRouter(port);
    await until('a re-admitted', () => stats(a).state === 'healthy', 5_000);
    const opsBefore = stats(a).operations;
    for (let i = 0; i < 10; i++) await client.get(`r${i}`);
    expect(stats(a).operations).toBeGreaterThan(opsBefore);
  });

  it('an in-flight write on a router that dies fails with UNAVAILABLE (it may have been applied); reads do not fail', async () => {
    await until('both watched', () => client.routerStats().every((s) => s.state === 'healthy'));
    a.delayMs = 300;
    b.delayMs = 300;
    // One batch per tick, round robin: the writes and reads of even ticks go to one router,
    // those of odd ticks to the other.
    const calls: Array<{ read: boolean; p: Promise<unknown> }> = [];
    for (let tick = 0; tick < 6; tick++) {
      calls.push({ read: false, p: client.put(`p${tick}`, 'v') }, { read: true, p: client.get(`g${tick}`) });
      await sleep(1);
    }
    await sleep(50);
    const inFlightOnA = stats(a).inFlightOperations;
    expect(inFlightOnA).toBe(6);
    a.kill();
    const settled = await Promise.allSettled(calls.map((c) => c.p));
    const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ read: calls[i]!.read, err: s.reason as RingKvError }] : []));
    expect(failed.length).toBe(3);
    for (const f of failed) {
      expect(f.read).toBe(false);
      expect(f.err.code).toBe(ErrorCode.UNAVAILABLE);
      expect(f.err.message).toContain(a.address);
    }
    expect(stats(a)).toMatchObject({ state: 'ejected', failedOperations: 6 });
  });
});

describe('GrpcRouterTransport failure classification', () => {
  it('a request to a router whose connection is refused fails UNAVAILABLE, marked not sent', async () => {
    const dead = await startFakeRouter();
    await dead.close();
    const t = new GrpcRouterTransport(dead.address);
    try {
      const err = (await t.execute([], Date.now() + 2_000).catch((e: unknown) => e)) as RingKvError;
      expect(err.code).toBe(ErrorCode.UNAVAILABLE);
      expect(wasNotSent(err)).toBe(true);
      expect(isRouterFailure(err)).toBe(true);
      const scanErr = (await t.scan({ prefix: Buffer.alloc(0), cursor: Buffer.alloc(0), limit: 1 }, Date.now() + 2_000).catch((e: unknown) => e)) as RingKvError;
      expect(wasNotSent(scanErr)).toBe(true);
    } finally {
      t.close();
    }
  });

  it('a frame in flight when the router dies is a router failure that may have been sent', async () => {
    const r = await startFakeRouter();
    r.delayMs = 500;
    const t = new GrpcRouterTransport(r.address);
    try {
      await t.connect(Date.now() + 2_000);
      const p = t.execute([{ get: { key: Buffer.from('k') } }], Date.now() + 2_000).catch((e: unknown) => e);
      await sleep(50);
      r.kill();
      const err = (await p) as RingKvError;
      expect(err.code).toBe(ErrorCode.UNAVAILABLE);
      expect(isRouterFailure(err)).toBe(true);
      expect(wasNotSent(err)).toBe(false);
    } finally {
      t.close();
      await r.close();
    }
  });

  it("a router's own UNAVAILABLE answer (a shard down) is not a router failure", async () => {
    const r = await startFakeRouter();
    r.callError = new RingKvError(ErrorCode.UNAVAILABLE, 'shard-2 unreachable');
    const t = new GrpcRouterTransport(r.address, { pipeline: false });
    try {
      const err = (await t.execute([{ get: { key: Buffer.from('k') } }], Date.now() + 2_000).catch((e: unknown) => e)) as RingKvError;
      expect(err.code).toBe(ErrorCode.UNAVAILABLE);
      expect(isRouterFailure(err)).toBe(false);
    } finally {
      t.close();
      await r.close();
    }
  });
});
