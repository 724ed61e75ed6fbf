import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { StorageNode } from '@ringkv/node';
import { Router } from '@ringkv/router';

process.env.RINGKV_LOG_LEVEL ??= 'warn';

/** Three storage nodes and a router in this process, on 127.0.0.1, for one test file. */
export function useInProcessCluster(shards = 3) {
  const env = {
    router: undefined as unknown as Router,
    nodes: [] as StorageNode[],
    connect: () => RingKvClient.connect({ routers: [env.router.address] }),
  };
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ringkv-coord-'));
    for (let i = 1; i <= shards; i++) {
      env.nodes.push(await StorageNode.start({ id: `shard-${i}`, listen: '127.0.0.1:0', dataDir: join(root, `shard-${i}`) }));
    }
    env.router = await Router.start({
      listen: '127.0.0.1:0',
      dataDir: join(root, 'router'),
      shards: env.nodes.map((n, i) => ({ id: `shard-${i + 1}`, address: n.address })),
    });
  });
  afterAll(async () => {
    await env.router?.close();
    await Promise.all(env.nodes.map((n) => n.close()));
    await rm(root, { recursive: true, force: true });
  });
  return env;
}

/**
 * A resource protected by a lock, as README "Locks" describes: it remembers the highest
 * fencing token it has seen and refuses writes with a lower one. It also counts what a
 * broken lock would cause: two holders inside at once.
 */
export class FencedResource {
  highest = 0n;
  readonly inside = new Set<bigint>();
  overlaps = 0;
  rejected = 0;
  readonly accepted: bigint[] = [];

  /** A write with `token`: refused (false) if a newer holder has written already. */
  write(token: bigint): boolean {
    if (token < this.highest) {
      this.rejected++;
      return false;
    }
    this.highest = token;
    this.accepted.push(token);
    return true;
  }

  enter(token: bigint): void {
    if (this.inside.size > 0) this.overlaps++;
    this.inside.add(token);
  }

  leave(token: bigint): void {
    this.inside.delete(token);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
