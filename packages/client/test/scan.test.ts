import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, RingKvClient, type RingKvError } from '../src/mod.js';
import { decodeScanCursor, encodeScanCursor } from '../src/internal-mod.js';
import { startFakeRouter, type FakeRouter } from './fake-router.js';

describe('scan', () => {
  let router: FakeRouter;
  let client: RingKvClient;
  const keys = Array.from({ length: 57 }, (_, i) => `key-${String(i).padStart(3, '0')}`);

  beforeAll(async () => {
    router = await startFakeRouter();
    client = await RingKvClient.connect({ routers: [router.address] });
    await client.batchPut(keys.map((k) => ({ key: k, value: `v:${k}` })));
    await client.batchPut([{ key: 'other-1', value: 'o' }, { key: 'other-2', value: 'o' }]);
  });

  afterAll(async () => {
    await client.close();
    await router.close();
  });

  async function collect(it: AsyncIterable<{ key: Buffer }>): Promise<string[]> {
    const out: string[] = [];
    for await (const e of it) out.push(e.key.toString());
    return out;
  }

  it('yields every key once across pages, with a prefix', async () => {
    const got = await collect(client.scan({ prefix: 'key-', pageSize: 10 }));
    expect(got.length).toBe(keys.length);
    expect(new Set(got)).toEqual(new Set(keys));
    expect((await collect(client.scan())).length).toBe(keys.length + 2);
  });

  it('stops at limit and resumes from the cursor after a break mid-page', async () => {
    const first = client.scan({ prefix: 'key-', pageSize: 10, limit: 13 });
    const a = await collect(first);
    expect(a.length).toBe(13);
    const resumed = client.scan({ prefix: 'key-', pageSize: 10, cursor: first.cursor! });
    const b = await collect(resumed);
    expect(resumed.cursor).toBeUndefined();
    expect(new Set([...a, ...b])).toEqual(new Set(keys));
    expect(a.length + b.length).toBe(keys.length);

    const s = client.scan({ prefix: 'key-', pageSize: 8 });
    const c: string[] = [];
    for await (const e of s) {
      c.push(e.key.toString());
      if (c.length === 5) break;
    }
    const d = await collect(client.scan({ prefix: 'key-', cursor: s.cursor! }));
    expect([...c, ...d].sort()).toEqual([...keys].sort());
  });

  it('scanPage pages through with cursors', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 100; i++) {
      const page = await client.scanPage({ prefix: 'key-', limit: 20, ...(cursor ? { cursor } : {}) });
      seen.push(...page.entries.map((e) => e.key.toString()));
      cursor = page.cursor;
      if (!cursor) break;
    }
    expect(seen.sort()).toEqual([...keys].sort());
  });

  it('encodes cursors reversibly and rejects garbage', () => {
    const pos = { routerCursor: Buffer.from([1, 2, 3]), lastKey: Buffer.from([0xff, 0]) };
    expect(decodeScanCursor(encodeScanCursor(pos))).toEqual(pos);
    expect(() => decodeScanCursor('AAAA')).toThrow();
  });

  it('is single use, and fails with CLOSED after close', async () => {
    const s = client.scan();
    await collect(s);
    expect(() => s[Symbol.asyncIterator]()).toThrow(TypeError);
    const c2 = await RingKvClient.connect({ routers: [router.address] });
    await c2.close();
    const err = (await collect(c2.scan()).catch((e: unknown) => e)) as RingKvError;
    expect(err.code).toBe(ErrorCode.CLOSED);
  });
});
