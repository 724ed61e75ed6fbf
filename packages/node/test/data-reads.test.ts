import { describe, expect, it } from 'vitest';
import { encodeDataKey, encodeRecord, keyHash, lockKey, type Ownership } from '@ringkv/core';
import { countStats, estimateArcs, scanPage, type ScanRequest } from '../src/data-reads.js';
import { MemoryStore } from './helpers/memory-store.js';
import { ownership } from './helpers/maps.js';

const live = (value: string, version = 1n, expiresAtMs = 0) => encodeRecord({ version, tombstone: false, expiresAtMs, value: Buffer.from(value) });
const tombstone = encodeRecord({ version: 2n, tombstone: true, expiresAtMs: 0, value: Buffer.alloc(0) });

/** A store with user keys k0..k59 ('v' + i), a tombstone, an expired key and a lock record. */
function fixture() {
  const store = new MemoryStore();
  for (let i = 0; i < 60; i++) store.put(encodeDataKey(Buffer.from(`k${i}`)), live(`v${i}`));
  store.put(encodeDataKey(Buffer.from('gone')), tombstone);
  store.put(encodeDataKey(Buffer.from('expired')), live('x', 1n, Date.now() - 1));
  store.put(encodeDataKey(lockKey('L')), live('lock-state'));
  return store;
}

const req = (fields: Partial<ScanRequest> = {}): ScanRequest =>
  ({ epoch: 1n, after: Buffer.alloc(0), prefix: Buffer.alloc(0), limit: 1000, maxExamined: 10_000, ...fields });

async function scanAll(store: MemoryStore, own: Ownership, nodeId: string, fields: Partial<ScanRequest>) {
  const keys: string[] = [];
  let after: Buffer = Buffer.alloc(0);
  for (let pages = 1; ; pages++) {
    const page = await scanPage(store, own, nodeId, req({ ...fields, after }));
    keys.push(...page.entries!.map((e) => String(e.key)));
    if (page.done) return { keys, pages };
    after = page.lastExamined as Buffer;
  }
}

describe('countStats', () => {
  it('counts live user keys and their bytes; tombstones apart; every record, lock and queue records included', async () => {
    const stats = await countStats(fixture());
    const bytes = Array.from({ length: 60 }, (_, i) => `k${i}`.length + `v${i}`.length).reduce((a, b) => a + b, 0);
    expect(stats).toEqual({ keys: 60, bytes, tombstones: 1, records: 63 });
  });
});

describe('estimateArcs', () => {
  it('counts the live keys and bytes in each arc (the whole ring, lock records included, and an empty slice)', async () => {
    const [all, none] = await estimateArcs(fixture(), [{ start: 0, end: 0 }, { start: 10, end: 11 }]);
    expect(all!.keys).toBe(61);
    expect(none).toEqual({ keys: 0, bytes: 0 });
  });
});

describe('scanPage', () => {
  it('returns the live user keys this node serves, in ring order, in pages that resume without gaps', async () => {
    const store = fixture();
    const own = ownership(['n1', 'n2']);
    const mine = Array.from({ length: 60 }, (_, i) => `k${i}`).filter((k) => own.ownerOf(keyHash(Buffer.from(k))) === 'n1');
    const inRingOrder = [...mine].sort((a, b) => keyHash(Buffer.from(a)) - keyHash(Buffer.from(b)));
    const one = await scanAll(store, own, 'n1', {});
    expect(one.keys).toEqual(inRingOrder);
    const paged = await scanAll(store, own, 'n1', { limit: 7 });
    expect(paged.keys).toEqual(inRingOrder);
    expect(paged.pages).toBeGreaterThan(1);
    const examined = await scanAll(store, own, 'n1', { maxExamined: 5 });
    expect(examined.keys).toEqual(inRingOrder);
  });

  it('filters by prefix and answers at the epoch of its map', async () => {
    const store = fixture();
    const own = ownership(['n1'], 4n);
    const page = await scanPage(store, own, 'n1', req({ prefix: Buffer.from('k5') }));
    expect(page.entries!.map((e) => String(e.key)).sort()).toEqual(['k5', 'k50', 'k51', 'k52', 'k53', 'k54', 'k55', 'k56', 'k57', 'k58', 'k59']);
    expect(page).toMatchObject({ done: true, epoch: '4' });
    expect(page.entries![0]).toMatchObject({ version: '1', expiresAtMs: '0' });
  });
});
