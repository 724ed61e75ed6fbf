import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, RingKvClient, RingKvError } from '../src/mod.js';
import { startFakeRouter, type FakeRouter } from './fake-router.js';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RingKvError);
    return (err as RingKvError).code;
  }
  throw new Error('expected a rejection');
}

describe('RingKvClient against a fake router', () => {
  let router: FakeRouter;
  let client: RingKvClient;

  beforeEach(async () => {
    router = await startFakeRouter();
    client = await RingKvClient.connect({ routers: [router.address], timeoutMs: 2000 });
  });

  afterEach(async () => {
    await client.close();
    await router.close();
  });

  it('puts, gets and deletes with strings and bytes', async () => {
    const v1 = await client.put('a', 'one');
    expect(typeof v1).toBe('bigint');
    expect((await client.get('a'))?.toString()).toBe('one');
    const entry = await client.getEntry('a');
    expect(entry).toEqual({ value: Buffer.from('one'), version: v1 });
    expect(await client.get('missing')).toBeUndefined();
    expect(await client.getEntry('missing')).toBeUndefined();
    expect(await client.delete('a')).toBe(true);
    expect(await client.delete('a')).toBe(false);
    expect(await client.get('a')).toBeUndefined();
  });

  it('round-trips non-UTF-8 key bytes', async () => {
    const key = new Uint8Array([0xff, 0xfe, 0x00, 0x80]);
    await client.put(key, new Uint8Array([1, 2, 3]));
    expect(await client.get(Buffer.from(key))).toEqual(Buffer.from([1, 2, 3]));
    const seen = [];
    for await (const e of client.scan()) seen.push(e.key);
    expect(seen).toEqual([Buffer.from(key)]);
  });

  it('reports TTL expiry time', async () => {
    await client.put('t', 'x', { ttlMs: 60_000 });
    const e = await client.getEntry('t');
    expect(e?.expiresAtMs).toBeGreaterThan(Date.now());
  });

  it('conditional writes: CONFLICT, ifVersion, ifAbsent', async () => {
    const v = await client.put('c', '1', { ifAbsent: true });
    expect(await codeOf(client.put('c', '2', { ifAbsent: true }))).toBe(ErrorCode.CONFLICT);
    expect(await codeOf(client.put('c', '2', { ifVersion: v + 100n }))).toBe(ErrorCode.CONFLICT);
    const v2 = await client.put('c', '2', { ifVersion: v });
    expect(v2).toBeGreaterThan(v);
    expect(await codeOf(client.delete('c', { ifVersion: v }))).toBe(ErrorCode.CONFLICT);
    expect(await client.delete('c', { ifVersion: v2 })).toBe(true);
  });

  it('refuses bad arguments before sending anything', async () => {
    const before = router.executeBatches.length;
    expect(await codeOf(client.get(''))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(client.put('', 'x'))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(client.put('k', 'x', { ifAbsent: true, ifVersion: 1n }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(client.put('k', 'x', { ttlMs: -1 }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(client.get('k', { timeoutMs: 0 }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(client.get(42 as unknown as string))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(client.batchPut([{ key: 'ok', value: 'v' }, { key: '', value: 'v' }]))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(() => client.scan({ cursor: 'not a cursor!' })).toThrow(RingKvError);
    expect(router.executeBatches.length).toBe(before);
  });

  it('passes per-op errors through with their code', async () => {
    router.opErrors.push({ code: ErrorCode.KEY_TOO_LARGE, message: 'key is 5000 bytes' });
    const err = await client.put('k', 'v').catch((e: unknown) => e as RingKvError);
    expect(err).toBeInstanceOf(RingKvError);
    expect((err as RingKvError).code).toBe(ErrorCode.KEY_TOO_LARGE);
    expect((err as RingKvError).message).toContain('5000');
  });

  it('auto-pipelines calls made in the same tick into one Execute', async () => {
    router.executeBatches.length = 0;
    await Promise.all(Array.from({ length: 50 }, (_, i) => client.put(`k${i}`, `v${i}`)));
    expect(router.executeBatches).toEqual([50]);
    const values = await Promise.all(Array.from({ length: 50 }, (_, i) => client.get(`k${i}`)));
    expect(values.map((v) => v?.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `v${i}`));
    expect(router.executeBatches).toEqual([50, 50]);
  });

  it('batchGet and batchPut keep input order', async () => {
    const versions = await client.batchPut([
      { key: 'x', value: '1' },
      { key: 'y', value: '2' },
      { key: 'z', value: '3', ttlMs: 10_000 },
    ]);
    expect(versions).toHaveLength(3);
    expect(await client.batchGet(['z', 'nope', 'x'])).toEqual([Buffer.from('3'), undefined, Buffer.from('1')]);
    expect(await client.batchGet([])).toEqual([]);
  });

  it('batchPut rejects with the first failure code', async () => {
    router.opErrors.push({ code: ErrorCode.VALUE_TOO_LARGE });
    const err = (await client.batchPut([{ key: 'a', value: 'big' }, { key: 'b', value: 'v' }]).catch((e: unknown) => e)) as RingKvError;
    expect(err.code).toBe(ErrorCode.VALUE_TOO_LARGE);
    expect(err.message).toContain('entries[0]');
  });

  it('retries TRY_AGAIN, even for writes', async () => {
    router.opErrors.push({ code: ErrorCode.TRY_AGAIN }, { code: ErrorCode.TRY_AGAIN });
    const v = await client.put('r', 'v');
    expect(v).toBeGreaterThan(0n);
    expect(router.executeBatches.length).toBeGreaterThanOrEqual(3);
  });

  it('does not retry RESOURCE_EXHAUSTED (an overloaded server): the caller backs off', async () => {
    router.opErrors.push({ code: ErrorCode.RESOURCE_EXHAUSTED });
    const before = router.executeBatches.length;
    expect(await codeOf(client.get('x'))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(router.executeBatches.length - before).toBe(1);
  });

  it('does not retry UNAVAILABLE writes', async () => {
    router.opErrors.push({ code: ErrorCode.UNAVAILABLE });
    expect(await codeOf(client.put('u', 'v'))).toBe(ErrorCode.UNAVAILABLE);
  });

  it('times out with DEADLINE_EXCEEDED and cancels with CANCELLED', async () => {
    router.delayMs = 300;
    expect(await codeOf(client.get('k', { timeoutMs: 50 }))).toBe(ErrorCode.DEADLINE_EXCEEDED);
    const ac = new AbortController();
    const p = client.get('k', { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    expect(await codeOf(p)).toBe(ErrorCode.CANCELLED);
    const aborted = AbortSignal.abort();
    expect(await codeOf(client.get('k', { signal: aborted }))).toBe(ErrorCode.CANCELLED);
  });

  it('maps whole-call failures with their ringkv code', async () => {
    router.callError = new RingKvError(ErrorCode.MIGRATION_IN_PROGRESS, 'busy');
    expect(await codeOf(client.get('k'))).toBe(ErrorCode.MIGRATION_IN_PROGRESS);
  });

  it('close() fails pending and later calls with CLOSED, idempotently', async () => {
    router.delayMs = 500;
    const pending = client.get('k');
    const queued = client.put('k', 'v');
    await new Promise((r) => setTimeout(r, 20));
    await client.close();
    await client.close();
    expect(client.status).toBe('closed');
    expect(await codeOf(pending)).toBe(ErrorCode.CLOSED);
    expect(await codeOf(queued)).toBe(ErrorCode.CLOSED);
    expect(await codeOf(client.get('k'))).toBe(ErrorCode.CLOSED);
    expect(await codeOf(client.admin.status())).toBe(ErrorCode.CLOSED);
  });

  it('supports await using', async () => {
    let inner: RingKvClient | undefined;
    {
      await using c = await RingKvClient.connect({ routers: [router.address] });
      inner = c;
      expect(c.status).toBe('open');
    }
    expect(inner.status).toBe('closed');
  });

  it('admin.status and admin.clusterMap convert u64 fields to bigint', async () => {
    await client.put('a', '1');
    const st = await client.admin.status();
    expect(st.epoch).toBe(3n);
    expect(st.shards[0]).toMatchObject({ id: 'shard-1', keys: 1n, bytes: 10n, reachable: true });
    expect(st.shards[0]!.error).toBeUndefined();
    const map = await client.admin.clusterMap();
    expect(map.epoch).toBe(3n);
    expect(map.members.map((m) => m.id)).toEqual(['shard-1']);
  });

  it('admin.status carries the replication factor, replica states and arc groups', async () => {
    const st = await client.admin.status();
    expect(st.replicationFactor).toBe(1);
    expect(st.shards[0]!.replicaState).toBe('in_sync');
    expect(st.arcGroups).toEqual([{ replicas: ['shard-1'], primary: 'shard-1', inSync: ['shard-1'], arcs: 1, fraction: 1, underReplicated: false }]);
    expect(st.underReplicatedArcs).toBe(0);
    expect(st.underReplicatedFraction).toBe(0);
    expect(st.replicationError).toBeUndefined();
  });

  it('admin.setReplicationFactor sends the factor and dryRun; the plan has each arc\'s copy targets', async () => {
    const dry = await client.admin.setReplicationFactor(3, { dryRun: true });
    expect(dry.committed).toBe(false);
    expect(dry.arcs[0]).toMatchObject({ from: 'shard-1', to: 'shard-1', targets: ['shard-2', 'shard-3'], estimatedKeys: 7n });
    const plan = await client.admin.setReplicationFactor(2);
    expect(plan).toMatchObject({ committed: true, epoch: 4n });
    expect(router.adminRequests).toEqual([
      { method: 'SetReplicationFactor', request: { replicationFactor: 3, dryRun: true } },
      { method: 'SetReplicationFactor', request: { replicationFactor: 2, dryRun: false } },
    ]);
  });

  it('admin.setReplicationFactor refuses a factor outside 1..5 before sending anything', async () => {
    for (const n of [0, 6, 1.5, -1, Number.NaN, '2' as unknown as number]) {
      expect(await codeOf(client.admin.setReplicationFactor(n)), String(n)).toBe(ErrorCode.INVALID_ARGUMENT);
    }
    expect(router.adminRequests).toEqual([]);
  });

  it('admin.removeShard sends force (default false) and refuses a non-boolean one', async () => {
    await client.admin.removeShard('shard-2', { dryRun: true });
    await client.admin.removeShard('shard-2', { force: true });
    expect(router.adminRequests).toEqual([
      { method: 'RemoveShard', request: { id: 'shard-2', dryRun: true, force: false } },
      { method: 'RemoveShard', request: { id: 'shard-2', dryRun: false, force: true } },
    ]);
    expect(await codeOf(client.admin.removeShard('shard-2', { force: 'yes' as unknown as boolean }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(router.adminRequests.length).toBe(2);
  });
});

describe('connect', () => {
  it('rejects malformed addresses with INVALID_ARGUMENT', async () => {
    expect(await codeOf(RingKvClient.connect({ routers: ['nope'] }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(RingKvClient.connect({ routers: [] }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(RingKvClient.connect({ routers: ['127.0.0.1:99999'] }))).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('rejects an unreachable router with UNAVAILABLE naming it', async () => {
    const err = (await RingKvClient.connect({ routers: ['127.0.0.1:1'], connectTimeoutMs: 300 }).catch((e: unknown) => e)) as RingKvError;
    expect(err.code).toBe(ErrorCode.UNAVAILABLE);
    expect(err.message).toContain('127.0.0.1:1');
  });

  it('spreads batches over several routers and retries reads on another', async () => {
    const a = await startFakeRouter();
    const b = await startFakeRouter();
    try {
      const c = await RingKvClient.connect({ routers: [a.address, b.address] });
      for (let i = 0; i < 4; i++) await c.get(`k${i}`);
      expect(a.executeBatches.length).toBe(2);
      expect(b.executeBatches.length).toBe(2);
      a.opErrors.push({ code: ErrorCode.UNAVAILABLE });
      b.opErrors.push({ code: ErrorCode.UNAVAILABLE });
      // One of the two answers UNAVAILABLE first; the read moves to the other, which fails too
      // only once: both routers are tried, then the error surfaces.
      expect(await codeOf(c.get('x'))).toBe(ErrorCode.UNAVAILABLE);
      expect(await c.get('x')).toBeUndefined();
      await c.close();
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('readFrom / replicaSelection on the wire', () => {
  let router: FakeRouter;

  beforeEach(async () => {
    router = await startFakeRouter();
  });
  afterEach(async () => {
    await router.close();
  });

  const sent = () => router.gets.map((g) => `${g.key.toString()}:${g.readFrom || '-'}:${g.replicaSelection || '-'}`);

  it('by default a get carries neither field (the primary); per call, readFrom and replicaSelection override', async () => {
    await using client = await RingKvClient.connect({ routers: [router.address] });
    await client.put('k', 'v');
    expect((await client.get('k'))?.toString()).toBe('v');
    expect((await client.get('k', { readFrom: 'replica' }))?.toString()).toBe('v');
    await client.getEntry('k', { readFrom: 'replica', replicaSelection: 'least_outstanding' });
    await client.get('k', { replicaSelection: 'round_robin' }); // no replica read: the selection is not sent
    await client.batchGet(['a', 'b'], { readFrom: 'replica', replicaSelection: 'round_robin' });
    expect(sent()).toEqual([
      'k:-:-', 'k:replica:random', 'k:replica:least_outstanding', 'k:-:-', 'a:replica:round_robin', 'b:replica:round_robin',
    ]);
  });

  it("the client's options are the default of every read, and a call can go back to the primary", async () => {
    await using client = await RingKvClient.connect({ routers: [router.address], readFrom: 'replica', replicaSelection: 'round_robin' });
    await client.get('x');
    await client.batchGet(['y']);
    await client.get('z', { replicaSelection: 'random' });
    await client.get('p', { readFrom: 'primary' });
    expect(sent()).toEqual(['x:replica:round_robin', 'y:replica:round_robin', 'z:replica:random', 'p:-:-']);
  });

  it('bad values fail the call with INVALID_ARGUMENT before anything is sent; connect refuses bad client options', async () => {
    await using client = await RingKvClient.connect({ routers: [router.address] });
    const before = router.executeBatches.length;
    expect(await codeOf(client.get('k', { readFrom: 'nearest' as 'replica' }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(client.getEntry('k', { readFrom: 'replica', replicaSelection: 'fastest' as 'random' }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(client.batchGet(['k'], { replicaSelection: 'x' as 'random' }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(router.executeBatches.length).toBe(before);
    expect(await codeOf(RingKvClient.connect({ routers: [router.address], readFrom: 'all' as 'replica' }))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});
