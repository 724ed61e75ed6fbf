import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { StorageNode } from '@ringkv/node';
import { Router } from '@ringkv/router';

process.env.RINGKV_LOG_LEVEL ??= 'warn';

describe('blocking pops and shutdown', () => {
  it("a router's graceful shutdown ends a blocking pop at once with no message, and takes no message", async () => {
    const root = await mkdtemp(join(tmpdir(), 'ringkv-pop-shutdown-'));
    const node = await StorageNode.start({ id: 'shard-1', listen: '127.0.0.1:0', dataDir: join(root, 'shard-1') });
    const router = await Router.start({ listen: '127.0.0.1:0', dataDir: join(root, 'router'), shards: [{ id: 'shard-1', address: node.address }] });
    const client = await RingKvClient.connect({ routers: [router.address] });
    try {
      const q = client.queue('jobs');
      const started = Date.now();
      const waiting = q.pop({ waitMs: 15_000 });
      await new Promise((r) => setTimeout(r, 300));
      const closing = router.close();
      expect(await waiting).toBeUndefined();
      await closing;
      expect(Date.now() - started).toBeLessThan(4_000);
      // The shard's pop stopped waiting too: a message pushed now stays ready for the next consumer.
      const second = await Router.start({ listen: '127.0.0.1:0', dataDir: join(root, 'router') });
      const c2 = await RingKvClient.connect({ routers: [second.address] });
      await c2.queue('jobs').push('after');
      await new Promise((r) => setTimeout(r, 200));
      expect(await c2.queue('jobs').stats()).toMatchObject({ ready: 1, inFlight: 0 });
      await c2.close();
      await second.close();
    } finally {
      await client.close();
      await router.close();
      await node.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
