import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ArcState, Ring, encodeRecord, hash32, newClusterMap,
  type ArcMoveState, type ClusterMap, type Op__Output,
} from '@ringkv/core';
import { StorageEngine } from '../src/storage-engine.js';

const dirs: string[] = [];
const engines: StorageEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ringkv-engine-'));
  dirs.push(d);
  return d;
}

const member = (id: string) => ({ id, address: `127.0.0.1:${7400 + Number(id.slice(1))}`, weight: 1, state: 'active' as const });

async function open(dataDir: string, nodeId = 'n1', extra: Partial<Parameters<typeof StorageEngine.open>[0]> = {}) {
  const e = await StorageEngine.open({ nodeId, dataDir, sweepIntervalMs: 50, ...extra });
  engines.push(e);
  return e;
}

const put = (key: string, value: string, ttlMs = 0): Op__Output =>
  ({ op: 'put', put: { key: Buffer.from(key), value: Buffer.from(value), ttlMs: String(ttlMs) } }) as Op__Output;
const get = (key: string): Op__Output => ({ op: 'get', get: { key: Buffer.from(key) } }) as Op__Output;
const del = (key: string): Op__Output => ({ op: 'delete', delete: { key: Buffer.from(key) } }) as Op__Output;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(25);
  }
}

describe('StorageEngine', () => {
  it('serves nothing before it has a map, and only what its map gives it after', async () => {
    const e = await open(tempDir());
    expect((await e.execute(1n, [get('a')]))[0]!.errorCode).toBe('WRONG_OWNER');
    const map = newClusterMap('c1', [member('n1'), member('n2')]);
    await e.installClusterMap(map);
    const ring = new Ring(map.members);
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    const mine = keys.filter((k) => ring.ownerOf(hash32(Buffer.from(k))) === 'n1');
    const theirs = keys.filter((k) => ring.ownerOf(hash32(Buffer.from(k))) === 'n2');
    const results = await e.execute(1n, [...mine.map((k) => put(k, 'v')), ...theirs.map((k) => put(k, 'v'))]);
    expect(results.slice(0, mine.length).every((r) => r.errorCode === '')).toBe(true);
    expect(results.slice(mine.length).every((r) => r.errorCode === 'WRONG_OWNER' && r.epoch === '1')).toBe(true);
    // A request from a newer epoch than the node knows is refused too (the router then pushes its map).
    expect((await e.execute(2n, [get(mine[0]!)]))[0]!.errorCode).toBe('WRONG_OWNER');
  });

  it('refuses a map of another cluster and ignores an older one', async () => {
    const e = await open(tempDir());
    await e.installClusterMap({ ...newClusterMap('c1', [member('n1')]), epoch: 5n });
    await expect(e.installClusterMap({ ...newClusterMap('c2', [member('n1')]), epoch: 9n })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const kept = await e.installClusterMap({ ...newClusterMap('c1', [member('n1'), member('n2')]), epoch: 3n });
    expect(kept.epoch).toBe(5n);
    expect(kept.members).toHaveLength(1);
  });

  it('refuses to open a data dir under another node id', async () => {
    const dir = tempDir();
    await (await open(dir, 'n1')).close();
    await expect(StorageEngine.open({ nodeId: 'n2', dataDir: dir })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('purges expired keys in the background, not just hides them', async () => {
    const e = await open(tempDir());
    await e.installClusterMap(newClusterMap('c1', [member('n1')]));
    await e.execute(1n, [put('short', 'x', 150), put('long', 'y')]);
    expect((await e.stats()).records).toBe(2);
    await sleep(200);
    expect((await e.execute(1n, [get('short')]))[0]!.found).toBe(false);
    await waitFor(async () => (await e.stats()).records === 1);
  });

  it('purges tombstones after the grace period, but not while an arc migrates', async () => {
    const e = await open(tempDir(), 'n1', { tombstoneGraceMs: 100 });
    const base = newClusterMap('c1', [member('n1'), member('n2')]);
    await e.installClusterMap(base);
    const ring = new Ring(base.members);
    const key = Array.from({ length: 100 }, (_, i) => `t${i}`).find((k) => ring.ownerOf(hash32(Buffer.from(k))) === 'n1')!;
    await e.execute(1n, [put(key, 'v')]);
    const arc = ring.arcOf(hash32(Buffer.from(key)));
    const move: ArcMoveState = {
      start: arc.start, end: arc.end, from: 'n1', to: 'n2', targets: ['n2'], state: ArcState.PENDING,
      keysMoved: 0n, bytesMoved: 0n, estimatedKeys: 0n, estimatedBytes: 0n,
    };
    await e.installClusterMap({ ...base, epoch: 2n, migrations: [move], nextMembers: base.members });
    expect((await e.execute(2n, [del(key)]))[0]!.found).toBe(true);
    await sleep(400);
    expect((await e.stats()).tombstones).toBe(1);
    await e.installClusterMap({ ...base, epoch: 3n });
    await waitFor(async () => (await e.stats()).records === 0);
  });

  it('keeps versions increasing across a restart', async () => {
    const dir = tempDir();
    const map = newClusterMap('c1', [member('n1')]);
    let e = await open(dir);
    await e.installClusterMap(map);
    const [first] = await e.execute(1n, [put('a', '1')]);
    await e.close();
    e = await open(dir);
    const [second] = await e.execute(1n, [put('a', '2')]);
    expect(BigInt(String(second!.version))).toBeGreaterThan(BigInt(String(first!.version)));
    expect(String((await e.execute(1n, [get("a")]))[0]!.value)).toBe('2');
  });

  it('ingests last-writer-wins on version, tombstones included, only for an arc moving to it', async () => {
    const e = await open(tempDir(), 'n2');
    const base = newClusterMap('c1', [member('n1'), member('n2')]);
    const ring = new Ring(base.members);
    const key = Array.from({ length: 100 }, (_, i) => `i${i}`).find((k) => ring.ownerOf(hash32(Buffer.from(k))) === 'n1')!;
    const arc = ring.arcOf(hash32(Buffer.from(key)));
    const move: ArcMoveState = {
      start: arc.start, end: arc.end, from: 'n1', to: 'n2', targets: ['n2'], state: ArcState.COPYING,
      keysMoved: 0n, bytesMoved: 0n, estimatedKeys: 0n, estimatedBytes: 0n,
    };
    const rec = (version: bigint, value: string | undefined) => ({
      key: Buffer.from(key),
      record: encodeRecord({ version, tombstone: value === undefined, expiresAtMs: 0, value: Buffer.from(value ?? '') }),
    });
    await e.installClusterMap(base);
    await expect(e.ingest(1n, 'n1', [rec(10n, 'x')])).rejects.toMatchObject({ code: 'WRONG_OWNER' });
    await e.installClusterMap({ ...base, epoch: 2n, migrations: [move], nextMembers: base.members });
    expect(await e.ingest(2n, 'n1', [rec(10n, 'ten')])).toEqual({ applied: 1, skipped: 0 });
    expect(await e.ingest(2n, 'n1', [rec(5n, 'five')])).toEqual({ applied: 0, skipped: 1 });
    expect(await e.ingest(2n, 'n1', [rec(20n, undefined)])).toEqual({ applied: 1, skipped: 0 });
    expect(await e.ingest(2n, 'n1', [rec(15n, 'fifteen')])).toEqual({ applied: 0, skipped: 1 });
    // Hand the arc over: the tombstone wins, nothing is resurrected, and new writes version past it.
    const done: ClusterMap = { ...base, epoch: 3n, migrations: [{ ...move, state: ArcState.DONE }], nextMembers: base.members };
    await e.installClusterMap(done);
    expect((await e.execute(3n, [get(key)]))[0]).toMatchObject({ errorCode: '', found: false });
    const [w] = await e.execute(3n, [put(key, 'new')]);
    expect(BigInt(String(w!.version))).toBeGreaterThan(20n);
  });

  it('starts every incoming copy from empty, so a value whose delete the source purged cannot come back', async () => {
    const e = await open(tempDir(), 'n2');
    const base = newClusterMap('c1', [member('n1'), member('n2')]);
    const ring = new Ring(base.members);
    // n2 once owned the key (its weight was larger), kept a value, then lost the arc without
    // cleaning up (stopped right after a remove). Now the arc moves to it again.
    const key = Array.from({ length: 100 }, (_, i) => `r${i}`).find((k) => ring.ownerOf(hash32(Buffer.from(k))) === 'n1')!;
    const arc = ring.arcOf(hash32(Buffer.from(key)));
    const move: ArcMoveState = {
      start: arc.start, end: arc.end, from: 'n1', to: 'n2', targets: ['n2'], state: ArcState.PENDING,
      keysMoved: 0n, bytesMoved: 0n, estimatedKeys: 0n, estimatedBytes: 0n,
    };
    await e.installClusterMap({ ...base, epoch: 2n, migrations: [move], nextMembers: base.members });
    await e.ingest(2n, 'n1', []).catch(() => undefined);
    // Plant the stale value as an earlier copy would have left it.
    await e.installClusterMap({ ...base, epoch: 3n, migrations: [{ ...move, state: ArcState.COPYING }], nextMembers: base.members });
    await e.ingest(3n, 'n1', [{ key: Buffer.from(key), record: encodeRecord({ version: 7n, tombstone: false, expiresAtMs: 0, value: Buffer.from('stale') }) }]);
    expect((await e.stats()).records).toBe(1);
    // That attempt failed; the arc goes back to pending, then copying again: the range is cleared.
    await e.installClusterMap({ ...base, epoch: 4n, migrations: [move], nextMembers: base.members });
    await e.installClusterMap({ ...base, epoch: 5n, migrations: [{ ...move, state: ArcState.COPYING }], nextMembers: base.members });
    expect((await e.stats()).records).toBe(0);
    // The source no longer has the key (deleted, tombstone purged): the copy sends nothing.
    await e.installClusterMap({ ...base, epoch: 6n, migrations: [{ ...move, state: ArcState.DONE }], nextMembers: base.members });
    expect((await e.execute(6n, [get(key)]))[0]).toMatchObject({ errorCode: '', found: false });
  });
});
