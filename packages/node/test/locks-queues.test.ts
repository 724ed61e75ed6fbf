import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockKey, newClusterMap, type Op__Output, type OpResult } from '@ringkv/core';
import { StorageEngine } from '../src/storage-engine.js';

const dirs: string[] = [];
const engines: StorageEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function engine(dataDir = mkdtempSync(join(tmpdir(), 'ringkv-lq-'))) {
  if (!dirs.includes(dataDir)) dirs.push(dataDir);
  const e = await StorageEngine.open({ nodeId: 'n1', dataDir, sweepIntervalMs: 20 });
  engines.push(e);
  if (!e.clusterMap) await e.installClusterMap(newClusterMap('c1', [{ id: 'n1', address: '127.0.0.1:1', weight: 1, state: 'active' }]));
  return { e, dataDir };
}

async function reopen(e: StorageEngine, dataDir: string) {
  await e.close();
  engines.splice(engines.indexOf(e), 1);
  return (await engine(dataDir)).e;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lock = (fields: Record<string, unknown>) => ({ op: 'lock', lock: { name: 'L', owner: '', ttlMs: '0', token: '0', ...fields } }) as unknown as Op__Output;
const queue = (fields: Record<string, unknown>) => ({
  op: 'queue',
  queue: {
    name: 'Q', deadLetters: false, body: Buffer.alloc(0), visibilityTimeoutMs: '1000', waitMs: '0', maxDeliveries: 0, id: '0',
    version: '0', delayMs: '0', ...fields,
  },
}) as unknown as Op__Output;
async function one(e: StorageEngine, op: Op__Output): Promise<OpResult> {
  return (await e.execute(1n, [op]))[0]!;
}
const acquire = (e: StorageEngine, owner: string, ttlMs = 1000) => one(e, lock({ action: 'ACQUIRE', owner, ttlMs: String(ttlMs) }));
const push = (e: StorageEngine, body: string) => one(e, queue({ action: 'PUSH', body: Buffer.from(body) }));
const pop = (e: StorageEngine, fields: Record<string, unknown> = {}) => one(e, queue({ action: 'POP', ...fields }));
const settle = (e: StorageEngine, action: 'ACK' | 'NACK', r: OpResult, fields: Record<string, unknown> = {}) =>
  one(e, queue({ action, id: r.id, version: r.version, ...fields }));

describe('locks on the storage engine', () => {
  it('grants a free lock to one caller at a time and refuses the others with LOCK_HELD', async () => {
    const { e } = await engine();
    const results = await e.execute(1n, Array.from({ length: 20 }, (_, i) => lock({ action: 'ACQUIRE', owner: `c${i}`, ttlMs: '5000' })));
    const won = results.filter((r) => r.errorCode === '');
    expect(won).toHaveLength(1);
    const lost = results.filter((r) => r.errorCode === 'LOCK_HELD');
    expect(lost).toHaveLength(19);
    expect(Number(lost[0]!.remainingMs)).toBeGreaterThan(4000);
    expect(lost[0]!.owner).toBe(won[0]!.owner);
    const status = await one(e, lock({ action: 'STATUS' }));
    expect(status).toMatchObject({ found: true, version: won[0]!.version, owner: won[0]!.owner });
  });

  it('lets only the holder renew and release, and issues a higher token to every later holder', async () => {
    const { e } = await engine();
    const a = await acquire(e, 'a');
    const token = BigInt(a.version as string);
    expect((await one(e, lock({ action: 'RENEW', token: String(token + 1n), ttlMs: '1000' }))).errorCode).toBe('LOCK_NOT_HELD');
    expect((await one(e, lock({ action: 'RELEASE', token: String(token - 1n) }))).errorCode).toBe('LOCK_NOT_HELD');
    expect((await one(e, lock({ action: 'RENEW', token: String(token), ttlMs: '1000' }))).errorCode).toBe('');
    expect((await one(e, lock({ action: 'RELEASE', token: String(token) }))).errorCode).toBe('');
    expect((await one(e, lock({ action: 'RELEASE', token: String(token) }))).errorCode).toBe('LOCK_NOT_HELD');
    const b = await acquire(e, 'b');
    expect(BigInt(b.version as string)).toBeGreaterThan(token);
  });

  it('frees a lock when its lease ends; the old holder can then neither renew nor release', async () => {
    const { e } = await engine();
    const a = await acquire(e, 'a', 40);
    expect((await acquire(e, 'b')).errorCode).toBe('LOCK_HELD');
    await sleep(60);
    expect((await one(e, lock({ action: 'STATUS' }))).found).toBe(false);
    const b = await acquire(e, 'b');
    expect(b.errorCode).toBe('');
    expect(BigInt(b.version as string)).toBeGreaterThan(BigInt(a.version as string));
    expect((await one(e, lock({ action: 'RENEW', token: a.version, ttlMs: '1000' }))).errorCode).toBe('LOCK_NOT_HELD');
  });

  it('keeps the lock and its token across a restart, and tokens keep increasing', async () => {
    const { e, dataDir } = await engine();
    const a = await acquire(e, 'a', 60_000);
    const e2 = await reopen(e, dataDir);
    expect(await one(e2, lock({ action: 'STATUS' }))).toMatchObject({ found: true, version: a.version, owner: 'a' });
    expect((await acquire(e2, 'b')).errorCode).toBe('LOCK_HELD');
    expect((await one(e2, lock({ action: 'RELEASE', token: a.version }))).errorCode).toBe('');
    const b = await acquire(e2, 'b');
    expect(BigInt(b.version as string)).toBeGreaterThan(BigInt(a.version as string));
  });

  it('refuses plain reads and writes of reserved keys, and scans do not show them', async () => {
    const { e } = await engine();
    await acquire(e, 'a');
    await push(e, 'm');
    const key = lockKey('L');
    const r = await one(e, { op: 'get', get: { key } } as Op__Output);
    expect(r.errorCode).toBe('INVALID_ARGUMENT');
    const w = await one(e, { op: 'put', put: { key, value: Buffer.from('x'), ttlMs: '0' } } as Op__Output);
    expect(w.errorCode).toBe('INVALID_ARGUMENT');
    const page = await e.scan({ epoch: 1n, after: Buffer.alloc(0), prefix: Buffer.alloc(0), limit: 100, maxExamined: 1000 });
    expect(page.entries).toHaveLength(0);
    expect(await e.stats()).toMatchObject({ keys: 0, records: 2 });
  });
});

describe('queues on the storage engine', () => {
  it('delivers in push order, hides a delivery for its visibility timeout, then delivers it again', async () => {
    const { e } = await engine();
    const ids = [];
    for (const m of ['a', 'b', 'c']) ids.push((await push(e, m)).id);
    expect(new Set(ids).size).toBe(3);
    expect(ids.map((id) => BigInt(id as string))).toEqual([...ids.map((id) => BigInt(id as string))].sort((x, y) => (x < y ? -1 : 1)));
    const first = await pop(e, { visibilityTimeoutMs: '60' });
    expect(first).toMatchObject({ found: true, id: ids[0], deliveries: 1 });
    expect(Buffer.from(first.value as Buffer).toString()).toBe('a');
    expect(Buffer.from((await pop(e)).value as Buffer).toString()).toBe('b');
    await sleep(80);
    const again = await pop(e);
    expect(again).toMatchObject({ id: ids[0], deliveries: 2 });
    // The first delivery's receipt is stale now: another consumer has the message.
    expect((await settle(e, 'ACK', first)).errorCode).toBe('STALE_RECEIPT');
    expect((await settle(e, 'ACK', again)).errorCode).toBe('');
    expect((await settle(e, 'ACK', again)).errorCode).toBe('STALE_RECEIPT');
    const stats = (await one(e, queue({ action: 'STATS' }))).queueStats;
    expect(stats).toMatchObject({ ready: '1', inFlight: '1', deadLetters: '0' });
  });

  it('nack makes a delivery visible again, after its delay', async () => {
    const { e } = await engine();
    await push(e, 'a');
    const d = await pop(e);
    expect((await settle(e, 'NACK', d, { delayMs: '60' })).errorCode).toBe('');
    expect((await pop(e)).found).toBe(false);
    await sleep(80);
    expect(await pop(e)).toMatchObject({ found: true, id: d.id, deliveries: 2 });
  });

  it('moves a message delivered maxDeliveries times to the dead-letter queue', async () => {
    const { e } = await engine();
    await push(e, 'poison');
    await push(e, 'ok');
    for (let i = 1; i <= 2; i++) {
      const d = await pop(e, { maxDeliveries: 2 });
      expect(d).toMatchObject({ deliveries: i });
      expect(Buffer.from(d.value as Buffer).toString()).toBe('poison');
      await settle(e, 'NACK', d);
    }
    const next = await pop(e, { maxDeliveries: 2 });
    expect(Buffer.from(next.value as Buffer).toString()).toBe('ok');
    expect((await one(e, queue({ action: 'STATS' }))).queueStats).toMatchObject({ ready: '0', inFlight: '1', deadLetters: '1' });
    const dead = await pop(e, { deadLetters: true });
    expect(dead).toMatchObject({ found: true, deliveries: 3 });
    expect(Buffer.from(dead.value as Buffer).toString()).toBe('poison');
    expect((await settle(e, 'ACK', dead, { deadLetters: true })).errorCode).toBe('');
  });

  it('keeps messages, deliveries and invisibility across a restart, and ids keep increasing', async () => {
    const { e, dataDir } = await engine();
    const a = await push(e, 'a');
    await push(e, 'b');
    const d = await pop(e, { visibilityTimeoutMs: '60000' });
    const e2 = await reopen(e, dataDir);
    const next = await pop(e2);
    expect(Buffer.from(next.value as Buffer).toString()).toBe('b');
    expect((await settle(e2, 'ACK', d)).errorCode).toBe('');
    const c = await push(e2, 'c');
    expect(BigInt(c.id as string)).toBeGreaterThan(BigInt(a.id as string));
    expect((await one(e2, queue({ action: 'STATS' }))).queueStats).toMatchObject({ ready: '1', inFlight: '1' });
  });

  it('a blocking pop returns as soon as a message is pushed, or empty when the wait ends', async () => {
    const { e } = await engine();
    const started = Date.now();
    const waiting = pop(e, { waitMs: '2000' });
    setTimeout(() => void push(e, 'late'), 100);
    const got = await waiting;
    expect(Buffer.from(got.value as Buffer).toString()).toBe('late');
    expect(Date.now() - started).toBeLessThan(1500);
    const t = Date.now();
    expect((await pop(e, { waitMs: '100' })).found).toBe(false);
    expect(Date.now() - t).toBeGreaterThanOrEqual(90);
  });

  it('a graceful shutdown ends blocking pops at once, with no message', async () => {
    const { e } = await engine();
    const t = Date.now();
    const waiting = pop(e, { waitMs: '10000' });
    await sleep(50);
    e.endBlockingCalls();
    expect((await waiting).found).toBe(false);
    expect(Date.now() - t).toBeLessThan(1_000);
  });

  it('keeps no index for queues that are empty and idle (names used once do not stay in memory)', async () => {
    const { e } = await engine();
    for (let i = 0; i < 50; i++) await one(e, queue({ action: 'STATS', name: `probe-${i}` }));
    await pop(e, { name: 'probe-x' });
    expect(e.queueIndexedMessages().queues).toBe(0);
    const pushed = await push(e, 'kept');
    expect(e.queueIndexedMessages()).toMatchObject({ queues: 1, queued: 1 });
    await settle(e, 'ACK', { ...(await pop(e)), id: pushed.id });
    expect(e.queueIndexedMessages().queues).toBe(0);
  });

  it('a blocking pop whose caller went away stops waiting and answers with no message', async () => {
    const { e } = await engine();
    const gone = new AbortController();
    const t = Date.now();
    const waiting = e.execute(1n, [queue({ action: 'POP', waitMs: '10000' })], gone.signal);
    setTimeout(() => gone.abort(), 50);
    expect((await waiting)[0]!.found).toBe(false);
    expect(Date.now() - t).toBeLessThan(1_000);
    // A message pushed afterwards is not taken by the abandoned pop.
    await push(e, 'later');
    expect(await one(e, queue({ action: 'STATS' }))).toMatchObject({ queueStats: { ready: '1', inFlight: '0' } });
  });

  it('keeps queues apart: another queue, and the dead-letter lane', async () => {
    const { e } = await engine();
    await push(e, 'q1');
    await one(e, queue({ action: 'PUSH', name: 'Q2', body: Buffer.from('q2') }));
    expect((await one(e, queue({ action: 'POP', name: 'Q2' }))).value?.toString()).toBe('q2');
    expect((await pop(e, { deadLetters: true })).found).toBe(false);
    expect((await pop(e)).value?.toString()).toBe('q1');
  });
});
