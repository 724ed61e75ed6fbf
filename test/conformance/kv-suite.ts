import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RingKvError, type RingKvClient, type ScanEntry } from '@ringkv/client';
import { DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES } from '@ringkv/core';
import { compareRingOrder, sortedInRingOrder, uniquePrefix } from '../helpers/keys.js';
import { sleep } from '../helpers/wait.js';

/** What a deployment under test provides. */
export interface KvTarget {
  client: RingKvClient;
  /** Another client to the same deployment (for tests that close theirs). */
  connect(): Promise<RingKvClient>;
  close(): Promise<void>;
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf(p: Promise<unknown>): Promise<RingKvError> {
  let value: unknown;
  try {
    value = await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RingKvError);
    return err as RingKvError;
  }
  throw new Error(`expected a RingKvError, but it resolved to ${String(value)}`);
}

/** Same, for a call that may throw synchronously. */
async function codeOf(fn: () => Promise<unknown>): Promise<string> {
  let p: Promise<unknown>;
  try {
    p = fn();
  } catch (err) {
    p = Promise.reject(err);
  }
  return (await rejectionOf(p)).code;
}

async function collect(iterable: AsyncIterable<ScanEntry>): Promise<ScanEntry[]> {
  const out: ScanEntry[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (...b: number[]) => Buffer.from(b);

/** A key of exactly `length` bytes starting with `prefix`. */
function keyOfLength(prefix: string, length: number): Buffer {
  const p = Buffer.from(prefix);
  return Buffer.concat([p, Buffer.alloc(length - p.length, 'k')]);
}

function expectRingOrder(entries: ScanEntry[]): void {
  for (let i = 1; i < entries.length; i++) {
    if (compareRingOrder(entries[i - 1]!.key, entries[i]!.key) >= 0) {
      throw new Error(`scan out of ring order at ${i}: ${hex(entries[i - 1]!.key)} then ${hex(entries[i]!.key)}`);
    }
  }
}

/**
 * The KV contract of @ringkv/client, run against every deployment: the same tests for an
 * in-process node behind an in-process router and for a multi-process cluster.
 */
export function describeKvConformance(name: string, setup: () => Promise<KvTarget>): void {
  describe(`KV conformance: ${name}`, () => {
    let target: KvTarget | undefined;
    const kv = (): RingKvClient => {
      if (!target) throw new Error('setup failed');
      return target.client;
    };

    beforeAll(async () => {
      target = await setup();
    });
    afterAll(async () => {
      await target?.close();
    });

    describe('get/put/delete', () => {
      it('round trips string keys and values', async () => {
        const p = uniquePrefix('rt');
        const version = await kv().put(`${p}greeting`, 'hello, wörld ✓');
        expect(typeof version).toBe('bigint');
        expect(version > 0n).toBe(true);
        const got = await kv().get(`${p}greeting`);
        expect(Buffer.isBuffer(got)).toBe(true);
        expect(got!.toString('utf8')).toBe('hello, wörld ✓');
        // The same key given as bytes is the same key.
        expect((await kv().get(Buffer.from(`${p}greeting`)))!.toString()).toBe('hello, wörld ✓');
        expect(await kv().get(`${p}never-written`)).toBeUndefined();
        expect(await kv().getEntry(`${p}never-written`)).toBeUndefined();
      });

      it('round trips arbitrary non-UTF-8 key and value bytes', async () => {
        const p = uniquePrefix('bytes');
        const key = Buffer.concat([Buffer.from(p), bytes(0xff, 0xfe, 0x00, 0x80, 0xc0, 0xaf)]);
        const value = bytes(0x00, 0xff, 0x80, 0xed, 0xa0, 0x80, 0x00);
        await kv().put(key, value);
        expect(hex((await kv().get(key))!)).toBe(hex(value));
        // A key that differs only in invalid bytes is a different key.
        const sibling = Buffer.concat([Buffer.from(p), bytes(0xff, 0xfe, 0x00, 0x80, 0xc0, 0xae)]);
        expect(await kv().get(sibling)).toBeUndefined();
        await fc.assert(
          fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.uint8Array({ maxLength: 2048 }), async (k, v) => {
            const fullKey = Buffer.concat([Buffer.from(p), k]);
            const version = await kv().put(fullKey, v);
            const entry = await kv().getEntry(fullKey);
            expect(entry).toBeDefined();
            expect(hex(entry!.value)).toBe(hex(v));
            expect(entry!.version).toBe(version);
          }),
          { numRuns: 40 },
        );
      });

      it('stores an empty value as an empty value, not as missing', async () => {
        const p = uniquePrefix('empty');
        await kv().put(`${p}k`, '');
        const got = await kv().get(`${p}k`);
        expect(got).toBeDefined();
        expect(got!.length).toBe(0);
      });

      it('copies a byte array at the call: reusing the buffer afterwards does not change what is written', async () => {
        const p = uniquePrefix('copy');
        const buf = Buffer.from('original');
        const pending = kv().put(`${p}k`, buf);
        buf.write('CHANGED!');
        await pending;
        expect((await kv().get(`${p}k`))!.toString()).toBe('original');
      });

      it('an overwrite gets a higher version, and getEntry reports the version put returned', async () => {
        const p = uniquePrefix('ver');
        const versions: bigint[] = [];
        for (let i = 0; i < 5; i++) {
          versions.push(await kv().put(`${p}k`, `v${i}`));
          const entry = await kv().getEntry(`${p}k`);
          expect(entry!.version).toBe(versions[i]);
          expect(entry!.value.toString()).toBe(`v${i}`);
          expect(entry!.expiresAtMs).toBeUndefined();
        }
        for (let i = 1; i < versions.length; i++) expect(versions[i]! > versions[i - 1]!).toBe(true);
      });

      it('delete removes the key and says whether it existed', async () => {
        const p = uniquePrefix('del');
        const v1 = await kv().put(`${p}k`, 'x');
        expect(await kv().delete(`${p}k`)).toBe(true);
        expect(await kv().get(`${p}k`)).toBeUndefined();
        expect(await kv().getEntry(`${p}k`)).toBeUndefined();
        expect(await kv().delete(`${p}k`)).toBe(false);
        expect(await kv().delete(`${p}never`)).toBe(false);
        // Written again after the delete: a newer version than before it.
        const v2 = await kv().put(`${p}k`, 'y');
        expect(v2 > v1).toBe(true);
        expect((await kv().get(`${p}k`))!.toString()).toBe('y');
      });

      it('many concurrent single-key calls each get their own answer', async () => {
        const p = uniquePrefix('conc');
        const n = 300;
        const versions = await Promise.all(Array.from({ length: n }, (_, i) => kv().put(`${p}${i}`, `value-${i}`)));
        const entries = await Promise.all(Array.from({ length: n }, (_, i) => kv().getEntry(`${p}${i}`)));
        entries.forEach((e, i) => {
          expect(e!.value.toString()).toBe(`value-${i}`);
          expect(e!.version).toBe(versions[i]);
        });
      });
    });

    describe('conditional writes', () => {
      it('ifAbsent writes only when the key does not exist', async () => {
        const p = uniquePrefix('absent');
        const v1 = await kv().put(`${p}k`, 'first', { ifAbsent: true });
        const err = await rejectionOf(kv().put(`${p}k`, 'second', { ifAbsent: true }));
        expect(err.code).toBe('CONFLICT');
        const entry = await kv().getEntry(`${p}k`);
        expect(entry!.value.toString()).toBe('first');
        expect(entry!.version).toBe(v1);
        // A deleted key counts as absent.
        await kv().delete(`${p}k`);
        const v3 = await kv().put(`${p}k`, 'third', { ifAbsent: true });
        expect(v3 > v1).toBe(true);
        expect((await kv().get(`${p}k`))!.toString()).toBe('third');
      });

      it('ifVersion writes only over exactly that version', async () => {
        const p = uniquePrefix('ifver');
        const v1 = await kv().put(`${p}k`, 'a');
        const v2 = await kv().put(`${p}k`, 'b', { ifVersion: v1 });
        expect(v2 > v1).toBe(true);
        // v1 is stale now.
        expect((await rejectionOf(kv().put(`${p}k`, 'c', { ifVersion: v1 }))).code).toBe('CONFLICT');
        expect((await rejectionOf(kv().put(`${p}k`, 'c', { ifVersion: v2 + 1n }))).code).toBe('CONFLICT');
        const entry = await kv().getEntry(`${p}k`);
        expect(entry!.value.toString()).toBe('b');
        expect(entry!.version).toBe(v2);
        // A missing key has no version to match.
        expect((await rejectionOf(kv().put(`${p}missing`, 'x', { ifVersion: v2 }))).code).toBe('CONFLICT');
        expect(await kv().get(`${p}missing`)).toBeUndefined();
      });

      it('compare-and-set: of concurrent writers with the same ifVersion exactly one wins', async () => {
        const p = uniquePrefix('cas');
        const v = await kv().put(`${p}k`, 'base');
        const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => kv().put(`${p}k`, `w${i}`, { ifVersion: v })));
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
        expect(won).toHaveLength(1);
        for (const r of lost) expect((r.reason as RingKvError).code).toBe('CONFLICT');
        const winner = results.findIndex((r) => r.status === 'fulfilled');
        expect((await kv().get(`${p}k`))!.toString()).toBe(`w${winner}`);
      });

      it('conditional delete: CONFLICT on a different version, deletes on the current one', async () => {
        const p = uniquePrefix('cdel');
        const v1 = await kv().put(`${p}k`, 'a');
        const v2 = await kv().put(`${p}k`, 'b');
        expect((await rejectionOf(kv().delete(`${p}k`, { ifVersion: v1 }))).code).toBe('CONFLICT');
        expect((await kv().get(`${p}k`))!.toString()).toBe('b');
        expect(await kv().delete(`${p}k`, { ifVersion: v2 })).toBe(true);
        expect(await kv().get(`${p}k`)).toBeUndefined();
        expect((await rejectionOf(kv().delete(`${p}k`, { ifVersion: v2 }))).code).toBe('CONFLICT');
      });

      it('ifVersion together with ifAbsent is INVALID_ARGUMENT and writes nothing', async () => {
        const p = uniquePrefix('both');
        expect(await codeOf(() => kv().put(`${p}k`, 'x', { ifAbsent: true, ifVersion: 1n }))).toBe('INVALID_ARGUMENT');
        expect(await kv().get(`${p}k`)).toBeUndefined();
      });
    });

    describe('batches', () => {
      it('batchPut returns versions in order; batchGet returns values in request order with undefined for missing', async () => {
        const p = uniquePrefix('batch');
        const entries = Array.from({ length: 50 }, (_, i) => ({ key: `${p}${i}`, value: `v${i}` }));
        const versions = await kv().batchPut(entries);
        expect(versions).toHaveLength(50);
        for (let i = 0; i < 50; i += 7) expect((await kv().getEntry(`${p}${i}`))!.version).toBe(versions[i]);
        const keys = [`${p}5`, `${p}missing-a`, `${p}0`, `${p}5`, Buffer.from(`${p}49`), `${p}missing-b`, `${p}17`];
        const got = await kv().batchGet(keys);
        expect(got.map((v) => v?.toString())).toEqual(['v5', undefined, 'v0', 'v5', 'v49', undefined, 'v17']);
      });

      it('batchGet of many keys spread over the ring keeps order', async () => {
        const p = uniquePrefix('bigbatch');
        const n = 1000;
        await kv().batchPut(Array.from({ length: n }, (_, i) => ({ key: `${p}${i}`, value: String(i * 3) })));
        const order = Array.from({ length: n }, (_, i) => (i * 389) % n);
        const got = await kv().batchGet(order.map((i) => `${p}${i}`));
        got.forEach((v, j) => expect(v?.toString()).toBe(String(order[j]! * 3)));
      });

      it('empty batches are empty', async () => {
        expect(await kv().batchGet([])).toEqual([]);
        expect(await kv().batchPut([])).toEqual([]);
      });

      it('batchPut overwrites and applies per-entry ttl', async () => {
        const p = uniquePrefix('batchttl');
        await kv().put(`${p}a`, 'old');
        await kv().batchPut([
          { key: `${p}a`, value: 'new' },
          { key: `${p}b`, value: 'short', ttlMs: 300 },
        ]);
        expect((await kv().get(`${p}a`))!.toString()).toBe('new');
        expect((await kv().get(`${p}b`))!.toString()).toBe('short');
        await sleep(500);
        expect(await kv().batchGet([`${p}a`, `${p}b`])).toEqual([Buffer.from('new'), undefined]);
      });
    });

    describe('scan', () => {
      it('returns every key under a prefix exactly once, in ring order, with values and versions', async () => {
        const p = uniquePrefix('scan');
        const n = 1500;
        const keys = Array.from({ length: n }, (_, i) => Buffer.from(`${p}${i}`));
        const versions = await kv().batchPut(keys.map((key, i) => ({ key, value: `v${i}` })));
        const entries = await collect(kv().scan({ prefix: p, pageSize: 128 }));
        expect(entries).toHaveLength(n);
        expectRingOrder(entries);
        expect(entries.map((e) => hex(e.key))).toEqual(sortedInRingOrder(keys).map(hex));
        const versionOf = new Map(keys.map((k, i) => [hex(k), versions[i]!]));
        for (const e of entries) {
          const i = Number(e.key.toString().slice(p.length));
          expect(e.value.toString()).toBe(`v${i}`);
          expect(e.version).toBe(versionOf.get(hex(e.key)));
        }
      });

      it('a scan of the whole ring is in ring order and contains what was written', async () => {
        const p = uniquePrefix('whole');
        const keys = Array.from({ length: 40 }, (_, i) => Buffer.from(`${p}${i}`));
        await kv().batchPut(keys.map((key) => ({ key, value: 'x' })));
        const all = await collect(kv().scan({ pageSize: 500 }));
        expectRingOrder(all);
        const seen = new Set(all.map((e) => hex(e.key)));
        for (const k of keys) expect(seen.has(hex(k))).toBe(true);
        expect(seen.size).toBe(all.length);
      });

      it('resumes from the cursor of a broken-off scan without duplicates or gaps', async () => {
        const p = uniquePrefix('resume');
        const n = 700;
        const keys = Array.from({ length: n }, (_, i) => Buffer.from(`${p}${i}`));
        await kv().batchPut(keys.map((key) => ({ key, value: 'v' })));
        const got: ScanEntry[] = [];
        // Break off at several points, including mid-page and at a page boundary.
        let cursor: string | undefined;
        for (const stopAfter of [1, 99, 100, 250]) {
          const it = kv().scan({ prefix: p, pageSize: 100, ...(cursor ? { cursor } : {}) });
          let taken = 0;
          for await (const e of it) {
            got.push(e);
            if (++taken === stopAfter) break;
          }
          cursor = it.cursor;
          expect(cursor).toBeDefined();
        }
        const rest = kv().scan({ prefix: p, pageSize: 100, cursor });
        got.push(...(await collect(rest)));
        expect(rest.cursor).toBeUndefined();
        expect(got.map((e) => hex(e.key))).toEqual(sortedInRingOrder(keys).map(hex));
      });

      it('pages with scanPage and its cursor cover every key exactly once', async () => {
        const p = uniquePrefix('pages');
        const n = 333;
        const keys = Array.from({ length: n }, (_, i) => Buffer.from(`${p}${i}`));
        await kv().batchPut(keys.map((key) => ({ key, value: 'v' })));
        const got: ScanEntry[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await kv().scanPage({ prefix: p, limit: 50, ...(cursor ? { cursor } : {}) });
          expect(page.entries.length).toBeLessThanOrEqual(50);
          got.push(...page.entries);
          cursor = page.cursor;
          pages++;
          expect(pages).toBeLessThan(200);
        } while (cursor !== undefined);
        expect(got.map((e) => hex(e.key))).toEqual(sortedInRingOrder(keys).map(hex));
      });

      it('limit yields the first N keys in ring order', async () => {
        const p = uniquePrefix('limit');
        const keys = Array.from({ length: 60 }, (_, i) => Buffer.from(`${p}${i}`));
        await kv().batchPut(keys.map((key) => ({ key, value: 'v' })));
        const first = await collect(kv().scan({ prefix: p, limit: 10 }));
        expect(first.map((e) => hex(e.key))).toEqual(sortedInRingOrder(keys).slice(0, 10).map(hex));
        const one = await collect(kv().scan({ prefix: p, limit: 1, pageSize: 7 }));
        expect(one).toHaveLength(1);
        expect(await collect(kv().scan({ prefix: p, limit: 1000 }))).toHaveLength(60);
      });

      it('prefix matches bytes exactly, including non-UTF-8 prefixes', async () => {
        const p = uniquePrefix('prefix');
        const raw = Buffer.concat([Buffer.from(p), bytes(0xff, 0x00)]);
        await kv().batchPut([
          { key: `${p}a`, value: '1' },
          { key: `${p}ab`, value: '2' },
          { key: `${p}abc`, value: '3' },
          { key: `${p}b`, value: '4' },
          { key: Buffer.concat([raw, bytes(1)]), value: '5' },
          { key: Buffer.concat([raw, bytes(2)]), value: '6' },
          { key: Buffer.concat([Buffer.from(p), bytes(0xff, 0x01)]), value: '7' },
        ]);
        const values = async (prefix: string | Buffer) =>
          (await collect(kv().scan({ prefix }))).map((e) => e.value.toString()).sort();
        expect(await values(`${p}ab`)).toEqual(['2', '3']);
        expect(await values(`${p}a`)).toEqual(['1', '2', '3']);
        expect(await values(raw)).toEqual(['5', '6']);
        expect(await values(`${p}zzz`)).toEqual([]);
        expect(await values(p)).toHaveLength(7);
      });

      it('does not return deleted keys', async () => {
        const p = uniquePrefix('scandel');
        await kv().batchPut(Array.from({ length: 10 }, (_, i) => ({ key: `${p}${i}`, value: 'v' })));
        await kv().delete(`${p}3`);
        await kv().delete(`${p}7`);
        const keys = (await collect(kv().scan({ prefix: p }))).map((e) => e.key.toString()).sort();
        expect(keys).toEqual([0, 1, 2, 4, 5, 6, 8, 9].map((i) => `${p}${i}`));
      });

      it('breaking out of a scan leaves the client usable', async () => {
        const p = uniquePrefix('break');
        await kv().batchPut(Array.from({ length: 20 }, (_, i) => ({ key: `${p}${i}`, value: 'v' })));
        for await (const _ of kv().scan({ prefix: p, pageSize: 5 })) break;
        expect(await collect(kv().scan({ prefix: p }))).toHaveLength(20);
      });
    });

    describe('TTL', () => {
      it('a key with ttlMs 300 is visible, then invisible to get and scan after ~500 ms', async () => {
        const p = uniquePrefix('ttl');
        const before = Date.now();
        await kv().put(`${p}short`, 'gone soon', { ttlMs: 300 });
        await kv().put(`${p}long`, 'stays');
        const entry = await kv().getEntry(`${p}short`);
        expect(entry!.value.toString()).toBe('gone soon');
        expect(entry!.expiresAtMs).toBeGreaterThanOrEqual(before + 300 - 50);
        expect(entry!.expiresAtMs).toBeLessThanOrEqual(Date.now() + 300 + 50);
        expect((await collect(kv().scan({ prefix: p }))).map((e) => e.key.toString()).sort()).toEqual([`${p}long`, `${p}short`]);
        await sleep(Math.max(0, before + 500 - Date.now()));
        expect(await kv().get(`${p}short`)).toBeUndefined();
        expect(await kv().getEntry(`${p}short`)).toBeUndefined();
        expect(await kv().batchGet([`${p}short`, `${p}long`])).toEqual([undefined, Buffer.from('stays')]);
        expect((await collect(kv().scan({ prefix: p }))).map((e) => e.key.toString())).toEqual([`${p}long`]);
      });

      it('an expired key counts as absent for ifAbsent; a plain put clears the expiry', async () => {
        const p = uniquePrefix('ttl2');
        await kv().put(`${p}k`, 'a', { ttlMs: 200 });
        await sleep(350);
        await kv().put(`${p}k`, 'b', { ifAbsent: true });
        expect((await kv().get(`${p}k`))!.toString()).toBe('b');
        await kv().put(`${p}j`, 'x', { ttlMs: 200 });
        await kv().put(`${p}j`, 'y');
        await sleep(350);
        const entry = await kv().getEntry(`${p}j`);
        expect(entry!.value.toString()).toBe('y');
        expect(entry!.expiresAtMs).toBeUndefined();
      });

      it('rejects a non-positive or fractional ttlMs with INVALID_ARGUMENT', async () => {
        const p = uniquePrefix('ttlbad');
        for (const ttlMs of [0, -5, 1.5, Number.NaN]) {
          expect(await codeOf(() => kv().put(`${p}k`, 'x', { ttlMs }))).toBe('INVALID_ARGUMENT');
        }
        expect(await kv().get(`${p}k`)).toBeUndefined();
      });
    });

    describe('bad input', () => {
      it('empty key: INVALID_ARGUMENT for every call, nothing written', async () => {
        expect(await codeOf(() => kv().put('', 'x'))).toBe('INVALID_ARGUMENT');
        expect(await codeOf(() => kv().put(new Uint8Array(0), 'x'))).toBe('INVALID_ARGUMENT');
        expect(await codeOf(() => kv().get(''))).toBe('INVALID_ARGUMENT');
        expect(await codeOf(() => kv().delete(''))).toBe('INVALID_ARGUMENT');
        expect(await codeOf(() => kv().batchPut([{ key: '', value: 'x' }]))).toBe('INVALID_ARGUMENT');
        expect(await codeOf(() => kv().batchGet(['ok', '']))).toBe('INVALID_ARGUMENT');
        const all = await collect(kv().scan({ pageSize: 10_000 }));
        expect(all.filter((e) => e.key.length === 0)).toEqual([]);
      });

      it(`key over ${DEFAULT_MAX_KEY_BYTES} bytes: KEY_TOO_LARGE, nothing written; exactly the limit works`, async () => {
        const p = uniquePrefix('bigkey');
        const tooLong = keyOfLength(p, DEFAULT_MAX_KEY_BYTES + 1);
        expect(tooLong.length).toBe(4097);
        expect(await codeOf(() => kv().put(tooLong, 'x'))).toBe('KEY_TOO_LARGE');
        expect(await codeOf(() => kv().get(tooLong))).toBe('KEY_TOO_LARGE');
        expect(await codeOf(() => kv().batchPut([{ key: tooLong, value: 'x' }]))).toBe('KEY_TOO_LARGE');
        expect(await collect(kv().scan({ prefix: p }))).toEqual([]);
        const atLimit = keyOfLength(p, DEFAULT_MAX_KEY_BYTES);
        await kv().put(atLimit, 'fits');
        expect((await kv().get(atLimit))!.toString()).toBe('fits');
        expect((await collect(kv().scan({ prefix: p }))).map((e) => e.key.length)).toEqual([4096]);
      });

      it('value over 4 MiB: VALUE_TOO_LARGE, nothing written; exactly the limit works', async () => {
        const p = uniquePrefix('bigval');
        expect(DEFAULT_MAX_VALUE_BYTES).toBe(4 * 1024 * 1024);
        const tooBig = Buffer.alloc(DEFAULT_MAX_VALUE_BYTES + 1, 0xab);
        expect(await codeOf(() => kv().put(`${p}k`, tooBig))).toBe('VALUE_TOO_LARGE');
        expect(await kv().get(`${p}k`)).toBeUndefined();
        // Overwriting an existing key with a too-large value leaves the old value.
        await kv().put(`${p}k`, 'small');
        expect(await codeOf(() => kv().put(`${p}k`, tooBig))).toBe('VALUE_TOO_LARGE');
        expect((await kv().get(`${p}k`))!.toString()).toBe('small');
        const atLimit = Buffer.alloc(DEFAULT_MAX_VALUE_BYTES, 0xcd);
        await kv().put(`${p}max`, atLimit, { timeoutMs: 30_000 });
        const back = await kv().get(`${p}max`, { timeoutMs: 30_000 });
        expect(back!.length).toBe(DEFAULT_MAX_VALUE_BYTES);
        expect(back!.equals(atLimit)).toBe(true);
      });

      it('keys and values of the wrong type are INVALID_ARGUMENT', async () => {
        const p = uniquePrefix('types');
        expect(await codeOf(() => kv().put(42 as unknown as string, 'x'))).toBe('INVALID_ARGUMENT');
        expect(await codeOf(() => kv().put(`${p}k`, { a: 1 } as unknown as string))).toBe('INVALID_ARGUMENT');
        expect(await codeOf(() => kv().get(null as unknown as string))).toBe('INVALID_ARGUMENT');
        expect(await codeOf(() => kv().put(`${p}k`, 'x', { ifVersion: -1n }))).toBe('INVALID_ARGUMENT');
        expect(await codeOf(() => kv().put(`${p}k`, 'x', { timeoutMs: 0 }))).toBe('INVALID_ARGUMENT');
        expect(await kv().get(`${p}k`)).toBeUndefined();
      });
    });

    describe('deadlines and cancellation', () => {
      it('timeoutMs: a call that cannot finish in time fails with DEADLINE_EXCEEDED, promptly', async () => {
        const p = uniquePrefix('deadline');
        const big = Buffer.alloc(3 * 1024 * 1024, 1);
        const started = Date.now();
        const err = await rejectionOf(kv().put(`${p}k`, big, { timeoutMs: 1 }));
        expect(err.code).toBe('DEADLINE_EXCEEDED');
        expect(Date.now() - started).toBeLessThan(2_000);
        // The client keeps working afterwards.
        await kv().put(`${p}after`, 'ok');
        expect((await kv().get(`${p}after`))!.toString()).toBe('ok');
      });

      it('an already aborted signal fails with CANCELLED and writes nothing', async () => {
        const p = uniquePrefix('abort');
        expect((await rejectionOf(kv().put(`${p}k`, 'x', { signal: AbortSignal.abort() }))).code).toBe('CANCELLED');
        expect((await rejectionOf(kv().get(`${p}k`, { signal: AbortSignal.abort() }))).code).toBe('CANCELLED');
        expect((await rejectionOf(kv().batchPut([{ key: `${p}b`, value: 'x' }], { signal: AbortSignal.abort() }))).code).toBe('CANCELLED');
        expect(await kv().batchGet([`${p}k`, `${p}b`])).toEqual([undefined, undefined]);
      });

      it('aborting during a call fails it with CANCELLED at once', async () => {
        const p = uniquePrefix('abort2');
        const ac = new AbortController();
        const pending = kv().put(`${p}k`, Buffer.alloc(3 * 1024 * 1024, 2), { signal: ac.signal, timeoutMs: 30_000 });
        const started = Date.now();
        ac.abort();
        expect((await rejectionOf(pending)).code).toBe('CANCELLED');
        expect(Date.now() - started).toBeLessThan(1_000);
      });

      it('aborting a scan between pages fails the iteration with CANCELLED', async () => {
        const p = uniquePrefix('abortscan');
        await kv().batchPut(Array.from({ length: 30 }, (_, i) => ({ key: `${p}${i}`, value: 'v' })));
        const ac = new AbortController();
        let seen = 0;
        const err = await rejectionOf(
          (async () => {
            for await (const _ of kv().scan({ prefix: p, pageSize: 5, signal: ac.signal })) {
              if (++seen === 5) ac.abort();
            }
          })(),
        );
        expect(err.code).toBe('CANCELLED');
        // No page is fetched after the abort (entries of the page in hand may still be yielded).
        expect(seen).toBeGreaterThanOrEqual(5);
        expect(seen).toBeLessThan(10);
      });
    });

    describe('lifecycle', () => {
      it('a closed client fails calls with CLOSED; close is idempotent; await using closes', async () => {
        const other = await target!.connect();
        expect(other.status).toBe('open');
        const p = uniquePrefix('closed');
        await other.put(`${p}k`, 'v');
        await other.close();
        await other.close();
        expect(other.status).toBe('closed');
        expect(await codeOf(() => other.get(`${p}k`))).toBe('CLOSED');
        let escaped: RingKvClient | undefined;
        {
          await using scoped = await target!.connect();
          expect((await scoped.get(`${p}k`))!.toString()).toBe('v');
          escaped = scoped;
        }
        expect(escaped.status).toBe('closed');
      });
    });
  });
}
