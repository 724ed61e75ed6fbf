import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hash32, type Op__Output } from '@ringkv/core';
import { createServer } from 'node:net';
import { StorageEngine } from '../src/storage-engine.js';
import { StorageNode } from '../src/storage-node.js';
import { WriteDoubts } from '../src/write-doubts.js';
import { mapOf, ownership, sampleHashes } from './helpers/maps.js';

const dirs: string[] = [];
const engines: StorageEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const put = (key: string, value: string, ifVersion?: string): Op__Output => ({
  op: 'put', put: { key: Buffer.from(key), value: Buffer.from(value), ttlMs: '0', ...(ifVersion ? { condition: { kind: 'ifVersion', ifVersion } } : {}) },
}) as Op__Output;
const get = (key: string): Op__Output => ({ op: 'get', get: { key: Buffer.from(key) } }) as Op__Output;
const replicaGet = (key: string): Op__Output => ({ op: 'get', get: { key: Buffer.from(key), readFrom: 'replica' } }) as Op__Output;

/** A port nothing listens on now (free a moment ago), for a replica started later. */
async function reservedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('WriteDoubts', () => {
  const rf2 = ownership(['n1', 'n2', 'n3'], 1n, { replicationFactor: 2 });
  const h = sampleHashes().find((x) => rf2.ownerOf(x) === 'n1')!;
  const replica = rf2.replicasOf(h).find((r) => r !== 'n1')!;

  it('a key in doubt blocks until a later write of it reaches every replica', () => {
    const d = new WriteDoubts();
    expect(d.empty).toBe(true);
    d.add('k', Buffer.from('k'), h, [replica]);
    expect(d.blocking('k', h, rf2)).toBe(replica);
    expect(d.blocking('other', h, rf2)).toBeUndefined();
    d.clear('k');
    expect(d.empty).toBe(true);
  });

  it('a new map settles it once the replica that missed it is out of sync, or this node no longer leads the key', () => {
    const d = new WriteDoubts();
    d.add('k', Buffer.from('k'), h, [replica]);
    // An unrelated change (the replica still in sync): still in doubt.
    d.settle(ownership(['n1', 'n2', 'n3'], 2n, { replicationFactor: 2 }), 'n1');
    expect(d.blocking('k', h, rf2)).toBe(replica);
    // The replica dropped: every in-sync copy has the write.
    d.settle(ownership(['n1', 'n2', 'n3'], 3n, { replicationFactor: 2, replicaStates: [{ id: replica, state: 'out_of_sync', since: 3n }] }), 'n1');
    expect(d.blocking('k', h, rf2)).toBeUndefined();
    // Another node leads the key now: settled too (reads do not come here).
    d.add('k', Buffer.from('k'), h, [replica]);
    d.settle(rf2, replica);
    expect(d.empty).toBe(true);
  });

  it('beyond 100,000 keys the replica blocks every key it replicates, until a map drops it', () => {
    const d = new WriteDoubts();
    for (let i = 0; i < 100_000; i++) d.add(`k${i}`, Buffer.from('k'), h, [replica]);
    d.add('one-too-many', Buffer.from('k'), h, [replica]);
    expect(d.size).toBe(100_000);
    expect(d.blocking('never-written', h, rf2)).toBe(replica);
    d.settle(ownership(['n1', 'n2', 'n3'], 2n, { replicationFactor: 2, replicaStates: [{ id: replica, state: 'out_of_sync', since: 2n }] }), 'n1');
    expect(d.empty).toBe(true);
  });
});

describe('a primary whose replica missed a write', () => {
  it('answers nothing from the unacknowledged value (get, compare-and-set) until the map drops the replica; a blind write goes ahead', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringkv-doubts-'));
    dirs.push(dataDir);
    const e = await StorageEngine.open({ nodeId: 'n1', dataDir, sweepIntervalMs: 50, replicationTimeoutMs: 300 });
    engines.push(e);
    // n2 is 127.0.0.1:7402, where nothing listens: every replication to it fails.
    await e.installClusterMap(mapOf(['n1', 'n2'], 1n, { replicationFactor: 2 }));
    e.leaseFence.replied('coord', 1n);
    e.leaseFence.heartbeat('coord', 1n, 60_000);
    const own = ownership(['n1', 'n2'], 1n, { replicationFactor: 2 });
    const key = Array.from({ length: 200 }, (_, i) => `k${i}`).find((k) => own.ownerOf(hash32(Buffer.from(k))) === 'n1')!;

    const [w] = await e.execute(1n, [put(key, 'unacked')]);
    expect(w!.errorCode).toBe('UNAVAILABLE');
    expect(w!.errorMessage).toMatch(/not acknowledged by replica n2/);
    // The value is applied here but may vanish: it is not read back, nor compared against.
    const [r] = await e.execute(1n, [get(key)]);
    expect(r!.errorCode).toBe('TRY_AGAIN');
    expect(r!.errorMessage).toMatch(/not acknowledged by replica n2/);
    const [cas] = await e.execute(1n, [put(key, 'next', String(w!.version || '1'))]);
    expect(cas!.errorCode).toBe('TRY_AGAIN');
    // A read in the same request as the failing write waits for it, then is refused too.
    const [w2, r2] = await e.execute(1n, [put(key, 'again'), get(key)]);
    expect(w2!.errorCode).toBe('UNAVAILABLE');
    expect(r2!.errorCode).toBe('TRY_AGAIN');

    // Nor does a scan show it: the page is refused.
    const scanAll = { epoch: 1n, after: Buffer.alloc(0), prefix: Buffer.alloc(0), limit: 100, maxExamined: 1000 };
    await expect(e.scan(scanAll)).rejects.toMatchObject({ code: 'TRY_AGAIN' });

    // The coordinator drops n2: every in-sync copy (this one) has the write, which now reads.
    await e.installClusterMap(mapOf(['n1', 'n2'], 2n, { replicationFactor: 2, replicaStates: [{ id: 'n2', state: 'out_of_sync', since: 2n }] }));
    const [after] = await e.execute(2n, [get(key)]);
    expect(after!.errorCode).toBe('');
    expect(after!.value?.toString()).toBe('again');
    const page = await e.scan({ ...scanAll, epoch: 2n });
    expect((page.entries ?? []).map((x) => x.key?.toString())).toContain(key);
  });

  it('a scan on a primary without its lease is refused (TRY_AGAIN), as key reads are', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringkv-doubts-'));
    dirs.push(dataDir);
    const e = await StorageEngine.open({ nodeId: 'n1', dataDir, replicationTimeoutMs: 300 });
    engines.push(e);
    await e.installClusterMap(mapOf(['n1', 'n2'], 1n, { replicationFactor: 2 }));
    const scanAll = { epoch: 1n, after: Buffer.alloc(0), prefix: Buffer.alloc(0), limit: 100, maxExamined: 1000 };
    await expect(e.scan(scanAll)).rejects.toMatchObject({ code: 'TRY_AGAIN', message: expect.stringMatching(/no primary lease/) });
    e.leaseFence.replied('coord', 1n);
    e.leaseFence.heartbeat('coord', 1n, 60_000);
    expect((await e.scan(scanAll)).entries).toEqual([]);
  });

  it('a replica that comes back without being dropped gets the record re-sent, and the key reads again', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ringkv-doubts-'));
    dirs.push(root);
    const port = await reservedPort();
    const map = mapOf(['n1', 'n2'], 1n, { replicationFactor: 2 });
    map.members = map.members.map((m) => (m.id === 'n2' ? { ...m, address: `127.0.0.1:${port}` } : m));
    const e = await StorageEngine.open({ nodeId: 'n1', dataDir: join(root, 'n1'), replicationTimeoutMs: 300 });
    engines.push(e);
    await e.installClusterMap(map);
    e.leaseFence.replied('coord', 1n);
    e.leaseFence.heartbeat('coord', 1n, 60_000);
    const own = ownership(['n1', 'n2'], 1n, { replicationFactor: 2 });
    const key = Array.from({ length: 200 }, (_, i) => `k${i}`).find((k) => own.ownerOf(hash32(Buffer.from(k))) === 'n1')!;
    expect((await e.execute(1n, [put(key, 'missed')]))[0]!.errorCode).toBe('UNAVAILABLE');
    expect((await e.execute(1n, [get(key)]))[0]!.errorCode).toBe('TRY_AGAIN');

    // The replica comes back on its address (the coordinator never dropped it).
    const n2 = await StorageNode.start({ id: 'n2', listen: `127.0.0.1:${port}`, dataDir: join(root, 'n2') });
    try {
      await n2.engine.installClusterMap(map);
      const deadline = Date.now() + 10_000;
      let r = (await e.execute(1n, [get(key)]))[0]!;
      while (r.errorCode === 'TRY_AGAIN' && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 100));
        r = (await e.execute(1n, [get(key)]))[0]!;
      }
      expect(r.errorCode).toBe('');
      expect(r.value?.toString()).toBe('missed');
      expect(e.doubtStats).toMatchObject({ keys: 0 });
      expect(e.doubtStats.settled).toBeGreaterThanOrEqual(1);
      // The replica holds it: a failover to it now would keep the value that was read.
      const [onReplica] = await n2.engine.execute(1n, [replicaGet(key)]);
      expect(onReplica!.value?.toString()).toBe('missed');
    } finally {
      await n2.close();
    }
  });
});
