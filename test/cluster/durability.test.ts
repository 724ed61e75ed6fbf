import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { useProcessCluster } from '../helpers/cluster.js';
import { mapLimit, uniquePrefix } from '../helpers/keys.js';
import { keysByOwner } from '../helpers/ownership.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * Acknowledged writes survive a crash (SIGKILL) of the storage node that holds them, of the
 * router, and a clean shutdown (SIGTERM); versions keep increasing across restarts.
 */
describe('durability across process crashes', () => {
  const env = useProcessCluster({ shards: 3 });
  let client: RingKvClient;
  /** Every acknowledged write: key -> [value, version]. */
  const acked = new Map<string, [string, bigint]>();
  const prefix = uniquePrefix('durable');

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: [env.cluster.routerAddress], timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await client?.close();
  });

  /** Writes `n` new keys one put each (8 at a time), remembering only acknowledged ones. */
  async function writeKeys(label: string, n: number): Promise<string[]> {
    const keys = Array.from({ length: n }, (_, i) => `${prefix}${label}-${i}`);
    await mapLimit(keys, 8, async (key, i) => {
      const value = `${label}:${i}:${key.length}`;
      const version = await client.put(key, value);
      acked.set(key, [value, version]);
    });
    return keys;
  }

  /** Reads back every acknowledged write, in batches, and compares value and version. */
  async function expectAllAcknowledged(): Promise<void> {
    const keys = [...acked.keys()];
    const missing: string[] = [];
    const wrong: string[] = [];
    for (let i = 0; i < keys.length; i += 250) {
      const chunk = keys.slice(i, i + 250);
      const values = await client.batchGet(chunk);
      chunk.forEach((k, j) => {
        const got = values[j];
        if (got === undefined) missing.push(k);
        else if (got.toString() !== acked.get(k)![0]) wrong.push(k);
      });
    }
    expect(missing, `${missing.length} acknowledged keys lost`).toEqual([]);
    expect(wrong, `${wrong.length} acknowledged keys with the wrong value`).toEqual([]);
    // Versions too, on a sample (getEntry is one call per key).
    for (const k of keys.filter((_, i) => i % 97 === 0)) {
      expect((await client.getEntry(k))!.version).toBe(acked.get(k)![1]);
    }
  }

  /** After a restart: wait until the router reaches every shard again. */
  async function waitAllReachable(): Promise<void> {
    await waitUntil(
      'every shard reachable',
      async () => {
        const s = await client.admin.status({ timeoutMs: 2_000 });
        return s.shards.every((sh) => sh.reachable) ? true : undefined;
      },
      15_000,
    );
  }

  it('writes 2,000 keys, SIGKILLs the node holding most of them, restarts it: every acknowledged write is there', async () => {
    const keys = await writeKeys('a', 2_000);
    expect(acked.size).toBe(2_000);
    const owners = await keysByOwner(client, keys);
    const [victim, victimKeys] = [...owners.entries()].sort((x, y) => y[1].length - x[1].length)[0]!;
    expect(victimKeys.length).toBeGreaterThan(400);

    const exit = await env.cluster.kill(victim, 'SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    expect(env.cluster.isRunning(victim)).toBe(false);
    await env.cluster.restart(victim);
    await waitAllReachable();
    await expectAllAcknowledged();
  });

  it('a SIGKILL in the middle of a stream of writes loses none of those acknowledged before it', async () => {
    // Fresh keys only, so a write that failed (and may or may not have been applied) never
    // shadows an acknowledged one. Bounded: at most 4,000 puts or 20 s.
    const victim = 'shard-2';
    let i = 0;
    let failures = 0;
    let killed = false;
    const stopAt = Date.now() + 20_000;
    const writer = async () => {
      while (i < 4_000 && Date.now() < stopAt && !(killed && i > 0 && failures > 50)) {
        const key = `${prefix}load-${i++}`;
        try {
          const version = await client.put(key, key, { timeoutMs: 2_000 });
          acked.set(key, [key, version]);
        } catch {
          failures++;
        }
      }
    };
    const writers = Array.from({ length: 6 }, writer);
    await waitUntil('300 writes under load', async () => (i >= 300 ? true : undefined), 20_000, 10);
    await env.cluster.kill(victim, 'SIGKILL');
    killed = true;
    await Promise.all(writers);
    expect(failures, 'writes to the killed shard should have failed').toBeGreaterThan(0);
    await env.cluster.restart(victim);
    await waitAllReachable();
    await expectAllAcknowledged();
  });

  it('a write after the restart gets a higher version than the write before the crash', async () => {
    const [key, [, before]] = [...acked.entries()][0]!;
    const after = await client.put(key, 'rewritten after crash');
    expect(after > before).toBe(true);
    acked.set(key, ['rewritten after crash', after]);
  });

  it('SIGKILL and restart of the router loses nothing either', async () => {
    await writeKeys('b', 300);
    const exit = await env.cluster.kill('router', 'SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    await env.cluster.restart('router');
    // The same client reconnects to the restarted router.
    await waitAllReachable();
    await expectAllAcknowledged();
  });

  it('SIGTERM drains a storage node promptly: it exits 0 within 3 s, and after a restart everything is there', async () => {
    await writeKeys('c', 300);
    const started = Date.now();
    const exit = await env.cluster.kill('shard-1', 'SIGTERM');
    const ms = Date.now() - started;
    expect(exit).toEqual({ code: 0, signal: null });
    // The router's connection to the node is idle: draining has nothing to wait for.
    // (soft: the restart below still runs, so later tests start from a whole cluster)
    expect.soft(ms, `shard-1 took ${ms} ms to exit after SIGTERM`).toBeLessThan(3_000);
    await env.cluster.restart('shard-1');
    await waitAllReachable();
    await expectAllAcknowledged();
  });

  it('SIGTERM drains the router promptly, with an idle client connected: it exits 0 within 3 s', async () => {
    await client.get(`${prefix}a-0`); // the client holds an open connection (and any stream) to the router
    const started = Date.now();
    const exit = await env.cluster.kill('router', 'SIGTERM');
    const ms = Date.now() - started;
    expect(exit).toEqual({ code: 0, signal: null });
    // Nothing is in flight, so draining has nothing to wait for.
    expect.soft(ms, `router took ${ms} ms to exit after SIGTERM`).toBeLessThan(3_000);
    await env.cluster.restart('router');
    await waitAllReachable();
    await expectAllAcknowledged();
  });
});
