import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient, RingKvError } from '@ringkv/client';
import { DEFAULT_MAX_VALUE_BYTES, MAX_MESSAGE_BYTES } from '@ringkv/core';
import { StorageNode } from '@ringkv/node';
import { Router } from '@ringkv/router';

process.env.RINGKV_LOG_LEVEL ??= 'warn';

/**
 * Replies that would exceed the 64 MiB message limit: a batch of gets of large values, and scans
 * over them. Such a reply used to fail the whole router -> node stream it travelled on (every
 * caller's frames on it) and a scan could never get past large values; now the gets past the
 * budget get RESOURCE_EXHAUSTED, everything else in flight is unaffected, and scan pages are cut
 * by bytes as well as by count.
 */
describe('replies over the message limit', () => {
  let root = '';
  let node: StorageNode;
  let router: Router;
  let client: RingKvClient;
  const big = Buffer.alloc(DEFAULT_MAX_VALUE_BYTES - 64, 0x62);
  const keys = Array.from({ length: 20 }, (_, i) => `large:${i}`);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ringkv-large-'));
    node = await StorageNode.start({ id: 'shard-1', listen: '127.0.0.1:0', dataDir: join(root, 'shard-1') });
    router = await Router.start({ listen: '127.0.0.1:0', dataDir: join(root, 'router'), shards: [{ id: 'shard-1', address: node.address }] });
    client = await RingKvClient.connect({ routers: [router.address], timeoutMs: 20_000 });
    for (const k of keys) await client.put(k, big);
    await client.put('large:small', 'small');
    expect(keys.length * big.length).toBeGreaterThan(MAX_MESSAGE_BYTES);
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await router?.close();
    await node?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('gets in one batch past 64 MiB: those past the budget get RESOURCE_EXHAUSTED, the rest and a small get in the same batch succeed', async () => {
    // Issued in the same tick: one frame from the SDK, one frame from the router to the node.
    const calls = [...keys.map((k) => client.get(k)), client.get('large:small')];
    const settled = await Promise.allSettled(calls);
    const ok = settled.filter((s) => s.status === 'fulfilled').length;
    const codes = settled.flatMap((s) => (s.status === 'rejected' ? [(s.reason as RingKvError).code] : []));
    expect(new Set(codes)).toEqual(new Set(['RESOURCE_EXHAUSTED']));
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(settled.at(-1)).toEqual({ status: 'fulfilled', value: Buffer.from('small') });
    // Each one alone is fine, and the stream is still there.
    for (const k of keys.slice(0, 3)) expect((await client.get(k))?.equals(big)).toBe(true);
  }, 60_000);

  it('a scan over 80 MiB of values returns every key, in pages that fit', async () => {
    const seen: string[] = [];
    for await (const e of client.scan({ prefix: 'large:', pageSize: 1000 })) seen.push(e.key.toString());
    expect(seen.sort()).toEqual([...keys, 'large:small'].sort());
  }, 60_000);
});
