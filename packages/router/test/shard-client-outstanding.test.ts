import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Op__Output } from '@ringkv/core';
import { ShardClient } from '../src/shard-client.js';

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const op = { op: 'get', get: { key: Buffer.from('k'), readFrom: '', replicaSelection: '' } } as Op__Output;

describe('ShardClient.outstanding: operations sent and not answered yet', () => {
  it('counts submit() and executeAlone() calls until each settles, a failure included', async () => {
    const shard = new ShardClient({ id: 'shard-x', address: `127.0.0.1:${await closedPort()}` }, () => 1n, { requestTimeoutMs: 2_000 });
    try {
      expect(shard.outstanding).toBe(0);
      const calls = [shard.submit(op), shard.submit(op), shard.executeAlone(op, 0)];
      expect(shard.outstanding).toBe(3);
      const settled = await Promise.allSettled(calls);
      expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(shard.outstanding).toBe(0);
    } finally {
      shard.close();
    }
  });

  it('counts a submit() refused at once (closed client) back down', async () => {
    const shard = new ShardClient({ id: 'shard-y', address: '127.0.0.1:1' }, () => 1n, { requestTimeoutMs: 1_000 });
    shard.close();
    await expect(shard.submit(op)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(shard.outstanding).toBe(0);
  });
});
