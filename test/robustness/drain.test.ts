import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient, RingKvError } from '@ringkv/client';
import { useProcessCluster } from '../helpers/cluster.js';
import { uniquePrefix } from '../helpers/keys.js';
import { waitUntil } from '../helpers/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stopping a process under write load. SIGTERM drains: work already admitted is answered (the
 * process exits 0 without cutting calls at its grace period), later frames are refused as not
 * applied; SIGKILL loses nothing acknowledged. Either way every acknowledged write is readable
 * after the restart. A write that failed may or may not have been applied; the codes it may get
 * are listed in `ALLOWED`. (SIGKILL of a storage node under load: test/cluster/durability.test.ts.)
 */
const ALLOWED = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'TRY_AGAIN']);

describe('stopping processes under write load', () => {
  const env = useProcessCluster({ shards: 3 });
  const prefix = uniquePrefix('drain');
  const clients: RingKvClient[] = [];
  const acked = new Map<string, string>();

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) clients.push(await RingKvClient.connect({ routers: [env.cluster.routerAddress], timeoutMs: 3_000 }));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  /**
   * Writes fresh keys from 3 clients x 32 workers (bounded: 60,000 puts or 30 s) while `during`
   * runs, and `afterMs` more; returns the failures by code.
   */
  async function underLoad(label: string, during: () => Promise<void>, afterMs = 1_000): Promise<Map<string, number>> {
    const failures = new Map<string, number>();
    let stop = false;
    let n = 0;
    const stopAt = Date.now() + 30_000;
    const worker = async (client: RingKvClient) => {
      while (!stop && n < 60_000 && Date.now() < stopAt) {
        const key = `${prefix}${label}-${n++}`;
        try {
          await client.put(key, key);
          acked.set(key, key);
        } catch (err) {
          const code = err instanceof RingKvError ? err.code : String(err);
          failures.set(code, (failures.get(code) ?? 0) + 1);
        }
      }
    };
    const workers = clients.flatMap((c) => Array.from({ length: 32 }, () => worker(c)));
    try {
      await waitUntil('writes under way', async () => (n > 500 ? true : undefined), 15_000, 10);
      await during();
      await sleep(afterMs);
    } finally {
      stop = true;
      await Promise.all(workers);
    }
    process.stdout.write(`${label}: ${n} writes, failures ${JSON.stringify(Object.fromEntries(failures))}\n`);
    return failures;
  }

  async function expectAllAcknowledged(): Promise<void> {
    await waitUntil('every shard reachable', async () => {
      const s = await clients[0]!.admin.status({ timeoutMs: 2_000, counts: false });
      return s.shards.every((sh) => sh.reachable) ? true : undefined;
    }, 20_000);
    const keys = [...acked.keys()];
    const missing: string[] = [];
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      const values = await clients[0]!.batchGet(chunk, { timeoutMs: 10_000 });
      chunk.forEach((k, j) => {
        if (values[j]?.toString() !== acked.get(k)) missing.push(k);
      });
    }
    expect(missing.length, `${missing.length} of ${keys.length} acknowledged writes lost, e.g. ${missing.slice(0, 3).join(', ')}`).toBe(0);
  }

  /** SIGTERM, then: exit 0, within the 5 s grace, and no call cut by a forced shutdown. */
  async function drain(name: string): Promise<void> {
    const started = Date.now();
    const exit = await env.cluster.kill(name, 'SIGTERM');
    const ms = Date.now() - started;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(ms, `${name} took ${ms} ms to drain`).toBeLessThan(5_000);
    expect(env.cluster.log(name)).not.toMatch(/graceful shutdown timed out/);
  }

  it('SIGTERM of a storage node under load: it drains and exits 0; after a restart every acknowledged write is there', async () => {
    const failures = await underLoad('node-term', async () => {
      await drain('shard-2');
      await sleep(500);
      await env.cluster.restart('shard-2');
    });
    expect([...failures.keys()].filter((c) => !ALLOWED.has(c))).toEqual([]);
    await expectAllAcknowledged();
  });

  it('SIGTERM of the router under load: it drains and exits 0; after a restart every acknowledged write is there', async () => {
    const failures = await underLoad('router-term', async () => {
      await drain('router');
      await env.cluster.restart('router');
    });
    expect([...failures.keys()].filter((c) => !ALLOWED.has(c))).toEqual([]);
    await expectAllAcknowledged();
  });

  it('SIGKILL of the router under load loses nothing acknowledged', async () => {
    const failures = await underLoad('router-kill', async () => {
      expect((await env.cluster.kill('router', 'SIGKILL')).signal).toBe('SIGKILL');
      await env.cluster.restart('router');
    });
    expect([...failures.keys()].filter((c) => !ALLOWED.has(c))).toEqual([]);
    expect(acked.size).toBeGreaterThan(1_500);
    await expectAllAcknowledged();
  });
});
