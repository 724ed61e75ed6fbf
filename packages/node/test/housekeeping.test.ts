import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeDataKey, type Ownership } from '@ringkv/core';
import { Housekeeping } from '../src/housekeeping.js';
import { EXPIRY_INDEX, OK, TOMBSTONE_INDEX, indexKey } from '../src/storage-format.js';
import type { WriteItem } from '../src/write-apply.js';
import { MemoryStore } from './helpers/memory-store.js';
import { move, ownership, sampleHashes } from './helpers/maps.js';

const running: Housekeeping[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.close()));
});

/**
 * Housekeeping over a MemoryStore whose write queue records each item and answers it when
 * `answer` says so (at once by default): drops are answered as the write queue would, from
 * the map in force.
 */
function setup(own: Ownership | undefined, options: { tombstoneGraceMs?: number; hold?: boolean } = {}) {
  const store = new MemoryStore();
  const items: WriteItem[] = [];
  const held: Array<() => void> = [];
  let current = own;
  const h = new Housekeeping({
    nodeId: 'n1', store, ownership: () => current, sweepIntervalMs: 60_000, tombstoneGraceMs: options.tombstoneGraceMs ?? 1_000,
    push: (item) => {
      items.push(item);
      const answer = () => {
        if (item.kind === 'drop') item.done({ ...OK, found: !current!.keeps('n1', item.hash) });
        else item.done(OK);
      };
      if (options.hold) held.push(answer);
      else answer();
    },
  });
  running.push(h);
  return { h, store, items, held, setOwnership: (o: Ownership) => (current = o) };
}

const dataKey = (h: number) => encodeDataKey(Buffer.from(`k${h}`), h);
const purges = (items: WriteItem[]) => items.filter((i): i is Extract<WriteItem, { kind: 'purge' }> => i.kind === 'purge');
const drops = (items: WriteItem[]) => items.filter((i): i is Extract<WriteItem, { kind: 'drop' }> => i.kind === 'drop');

describe('Housekeeping sweep', () => {
  it('purges the keys whose expiry is due and the tombstones past their grace period, through the write queue', async () => {
    const { h, store, items } = setup(ownership(['n1']), { tombstoneGraceMs: 1_000 });
    const now = Date.now();
    store.put(indexKey(EXPIRY_INDEX, now - 10, dataKey(1)), Buffer.alloc(0));
    store.put(indexKey(EXPIRY_INDEX, now + 60_000, dataKey(2)), Buffer.alloc(0));
    store.put(indexKey(TOMBSTONE_INDEX, now - 5_000, dataKey(3)), Buffer.alloc(0));
    store.put(indexKey(TOMBSTONE_INDEX, now - 10, dataKey(4)), Buffer.alloc(0));
    h.start();
    await h.sweep();
    expect(purges(items).map((p) => [p.storageKey.equals(dataKey(1)) ? 1 : p.storageKey.equals(dataKey(3)) ? 3 : 0, p.tombstone]))
      .toEqual([[1, false], [3, true]]);
  });

  it('keeps tombstones while an arc migrates or a replica catches up', async () => {
    const base = ownership(['n1', 'n2']);
    const arc = base.ring.arcOf(sampleHashes().find((x) => base.ownerOf(x) === 'n1')!);
    for (const own of [
      ownership(['n1', 'n2'], 2n, { migrations: [move(arc, 'n1', 'n2', 'copying')], nextMembers: base.map.members }),
      ownership(['n1', 'n2'], 2n, { replicationFactor: 2, replicaStates: [{ id: 'n2', state: 'catching_up', since: 2n }] }),
    ]) {
      const { h, store, items } = setup(own, { tombstoneGraceMs: 0 });
      store.put(indexKey(TOMBSTONE_INDEX, Date.now() - 5_000, dataKey(3)), Buffer.alloc(0));
      h.start();
      await h.sweep();
      expect(purges(items)).toEqual([]);
    }
  });

  it('runs one sweep at a time, and none before start or after close', async () => {
    const { h, store, items, held } = setup(ownership(['n1']), { hold: true });
    store.put(indexKey(EXPIRY_INDEX, Date.now() - 10, dataKey(1)), Buffer.alloc(0));
    await h.sweep();
    expect(items).toHaveLength(0);
    h.start();
    const first = h.sweep();
    expect(h.sweep()).toBe(first);
    await new Promise((r) => setImmediate(r));
    expect(items).toHaveLength(1);
    held.splice(0).forEach((answer) => answer());
    await first;
    await h.close();
    await h.sweep();
    expect(items).toHaveLength(1);
  });
});

describe('Housekeeping cleanup and clearing', () => {
  it('at start, drops every record of a range the node does not keep, re-checked when each delete is applied', async () => {
    const own = ownership(['n1', 'n2']);
    const { h, store, items } = setup(own);
    const hashes = sampleHashes(200);
    for (const x of hashes) store.put(dataKey(x), Buffer.from('v'));
    h.start();
    const expected = new Set(hashes.filter((x) => !own.keeps('n1', x)));
    expect(expected.size).toBeGreaterThan(0);
    await vi.waitFor(() => expect(new Set(drops(items).map((d) => d.hash))).toEqual(expected));
  });

  it('after a new map, drops only what the node stopped keeping', async () => {
    const before = ownership(['n1']);
    const after = ownership(['n1', 'n2'], 2n);
    const { h, store, items, setOwnership } = setup(before);
    const hashes = sampleHashes(200);
    for (const x of hashes) store.put(dataKey(x), Buffer.from('v'));
    h.start();
    await new Promise((r) => setImmediate(r));
    expect(drops(items)).toEqual([]);
    setOwnership(after);
    h.scheduleCleanup(before);
    const expected = new Set(hashes.filter((x) => after.ownerOf(x) === 'n2'));
    await vi.waitFor(() => expect(new Set(drops(items).map((d) => d.hash))).toEqual(expected));
  });

  it('close stops a cleanup after the batch in flight and resolves once that batch is answered', async () => {
    const before = ownership(['n1']);
    const { h, store, items, held, setOwnership } = setup(before, { hold: true });
    for (let i = 0; i < 3000; i++) store.put(encodeDataKey(Buffer.from(`key${i}`)), Buffer.from('v'));
    h.start();
    setOwnership(ownership(['n1', 'n2'], 2n));
    h.scheduleCleanup(before);
    await new Promise((r) => setTimeout(r, 20));
    const queued = items.length;
    expect(queued).toBeGreaterThan(0);
    expect(queued).toBeLessThanOrEqual(1000);
    let closed = false;
    const closing = h.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(false);
    held.splice(0).forEach((answer) => answer());
    await closing;
    expect(items.length).toBe(queued);
  });

  it('clears every record of the arcs straight to the store, in batches of at most 1000', async () => {
    const own = ownership(['n1', 'n2']);
    const { h, store, items } = setup(own);
    const arc = own.ring.arcOf(sampleHashes().find((x) => own.ownerOf(x) === 'n2')!);
    const inside = (x: number) => (arc.start < arc.end ? x > arc.start && x <= arc.end : x > arc.start || x <= arc.end);
    const mid = arc.start < arc.end ? arc.start + 1 : (arc.start + 1) >>> 0;
    for (let i = 0; i < 2500; i++) store.put(encodeDataKey(Buffer.from(`c${i}`), mid), Buffer.from('v'));
    const outside = sampleHashes(50).filter((x) => !inside(x));
    for (const x of outside) store.put(dataKey(x), Buffer.from('v'));
    await h.clearRanges([arc]);
    expect(store.batches.map((b) => [b.ops.length, b.sync])).toEqual([[1000, false], [1000, false], [500, false]]);
    expect(store.data.size).toBe(outside.length);
    expect(items).toEqual([]);
  });
});
