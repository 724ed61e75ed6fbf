import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient, RingKvError, type ClientOptions, type RouterStats } from '@ringkv/client';
import { useProcessCluster } from '../helpers/cluster.js';
import { uniquePrefix } from '../helpers/keys.js';
import { waitUntil } from '../helpers/wait.js';
import { scrape } from '../observability/scrape.js';

const CONCURRENCY = 32;

interface LoadResult {
  gets: number;
  puts: number;
  getFailures: RingKvError[];
  putFailures: RingKvError[];
  /** Keys whose put succeeded, with the value written. */
  written: Map<string, string>;
}

/**
 * Bounded load: `total` operations (gets of `readKeys`, which must hold their own name as
 * value, and puts of fresh keys, alternately) from CONCURRENCY workers, stopping at `maxMs`
 * whatever happened. `onProgress` sees the number of operations completed so far.
 */
async function runLoad(client: RingKvClient, opts: {
  total: number; maxMs: number; readKeys: string[]; writePrefix: string; onProgress?: (done: number) => Promise<void> | void;
}): Promise<LoadResult> {
  const r: LoadResult = { gets: 0, puts: 0, getFailures: [], putFailures: [], written: new Map() };
  const stopAt = Date.now() + opts.maxMs;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < opts.total && Date.now() < stopAt) {
      const i = next++;
      if (i % 2 === 0) {
        const key = opts.readKeys[i % opts.readKeys.length]!;
        r.gets++;
        try {
          const v = await client.get(key);
          if (v?.toString() !== key) throw new Error(`get ${key} returned ${v?.toString()}`);
        } catch (err) {
          r.getFailures.push(err as RingKvError);
        }
      } else {
        const key = `${opts.writePrefix}${i}`;
        r.puts++;
        try {
          await client.put(key, `v${i}`);
          r.written.set(key, `v${i}`);
        } catch (err) {
          r.putFailures.push(err as RingKvError);
        }
      }
      done++;
      await opts.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return r;
}

const byAddress = (stats: RouterStats[], address: string) => stats.find((s) => s.address === address)!;

/** Several routers, one SDK: traffic split by policy, a router killed under load, and its return. */
describe('load balancing across two routers', () => {
  // Routers serve metrics (on a free port each, read back from their "router listening" line),
  // so the split the SDK reports is checked against what each router counted.
  const env = useProcessCluster({ shards: 3, routers: 2, routerArgs: ['--metrics', '127.0.0.1:0'] });
  const metricsOf = (name: string) => {
    const lines = env.cluster.log(name).split('\n').filter((l) => l.includes('"router listening"'));
    return (JSON.parse(lines[lines.length - 1]!) as { metrics: string }).metrics;
  };
  const forwarded = async (name: string) => (await scrape(metricsOf(name))).sum('ringkv_router_requests_total');
  const prefix = uniquePrefix('lb');
  const readKeys = Array.from({ length: 300 }, (_, i) => `${prefix}r${i}`);
  let a: string;
  let b: string;

  const connect = (extra: Partial<ClientOptions> = {}) =>
    RingKvClient.connect({ routers: [a, b], timeoutMs: 3_000, ejectionBackoffInitialMs: 100, ejectionBackoffMaxMs: 1_000, ...extra });

  beforeAll(async () => {
    [a, b] = env.cluster.routerAddresses as [string, string];
    await using client = await connect();
    await client.batchPut(readKeys.map((key) => ({ key, value: key })));
  });

  it('both routers serve data: what one writes, the other reads', async () => {
    await using viaA = await RingKvClient.connect({ routers: [a] });
    await using viaB = await RingKvClient.connect({ routers: [b] });
    await viaA.put(`${prefix}both`, 'from A');
    expect((await viaB.get(`${prefix}both`))?.toString()).toBe('from A');
    expect((await viaB.admin.clusterMap()).epoch).toBe((await viaA.admin.clusterMap()).epoch);
  });

  async function measuredShare(options: Partial<ClientOptions>): Promise<number> {
    await using client = await connect(options);
    const before = [await forwarded('router'), await forwarded('router-2')];
    const r = await runLoad(client, { total: 3_000, maxMs: 20_000, readKeys, writePrefix: `${prefix}split/` });
    expect(r.getFailures.concat(r.putFailures)).toEqual([]);
    expect(r.gets + r.puts).toBe(3_000);
    const stats = client.routerStats();
    const opsA = byAddress(stats, a).operations;
    const opsB = byAddress(stats, b).operations;
    expect(opsA + opsB).toBe(3_000);
    // Server side: each router forwarded exactly the operations the SDK sent it.
    expect([await forwarded('router') - before[0]!, await forwarded('router-2') - before[1]!]).toEqual([opsA, opsB]);
    return opsA / (opsA + opsB);
  }

  it('round_robin splits operations about 50/50 (within 10 points)', async () => {
    const share = await measuredShare({ loadBalancing: 'round_robin' });
    expect(Math.abs(share - 0.5)).toBeLessThan(0.1);
  });

  it('weighted {A: 3, B: 1} splits operations about 75/25 (within 10 points)', async () => {
    const share = await measuredShare({ loadBalancing: { weighted: { [a]: 3, [b]: 1 } } });
    expect(Math.abs(share - 0.75)).toBeLessThan(0.1);
  });

  it('random splits operations about 50/50 (within 10 points)', async () => {
    const share = await measuredShare({ loadBalancing: 'random' });
    expect(Math.abs(share - 0.5)).toBeLessThan(0.1);
  });

  it('SIGKILL of one router under load: no get fails; only puts in flight on it fail, with UNAVAILABLE; it comes back', async () => {
    await using client = await connect();
    let inFlightAtKill = -1;
    let killed = false;
    const r = await runLoad(client, {
      total: 6_000, maxMs: 40_000, readKeys, writePrefix: `${prefix}kill/`,
      onProgress: async (done) => {
        if (done === 2_000 && !killed) {
          killed = true;
          inFlightAtKill = byAddress(client.routerStats(), b).inFlightOperations;
          await env.cluster.kill('router-2', 'SIGKILL');
        }
      },
    });
    expect(killed).toBe(true);
    expect(r.gets + r.puts).toBe(6_000);
    expect(r.getFailures).toEqual([]);
    for (const e of r.putFailures) {
      expect(e).toBeInstanceOf(RingKvError);
      expect(e.code).toBe('UNAVAILABLE');
      expect(e.message).toContain(b);
    }
    const statsB = byAddress(client.routerStats(), b);
    // The failed puts are among the operations that were on the killed router when its
    // connection broke: at most one per worker, and at most what the SDK counted as lost there.
    expect(r.putFailures.length).toBeLessThanOrEqual(statsB.failedOperations);
    expect(statsB.failedOperations).toBeLessThanOrEqual(CONCURRENCY);
    expect(inFlightAtKill).toBeGreaterThanOrEqual(0);
    expect(statsB.state).toBe('ejected');
    expect(byAddress(client.routerStats(), a).failures).toBe(0);
    // Every acknowledged put is there.
    const keys = [...r.written.keys()];
    const values = await client.batchGet(keys);
    expect(values.map((v) => v?.toString())).toEqual(keys.map((k) => r.written.get(k)));

    // Traffic kept flowing on A after the kill; B got none while ejected.
    const opsB = statsB.operations;
    await client.batchGet(readKeys.slice(0, 50));
    for (let i = 0; i < 20; i++) await client.get(readKeys[i]!);
    expect(byAddress(client.routerStats(), b).operations).toBe(opsB);

    await env.cluster.restart('router-2');
    await waitUntil('router-2 re-admitted', async () => (byAddress(client.routerStats(), b).state === 'healthy' ? true : undefined), 10_000, 50);
    const again = await runLoad(client, { total: 400, maxMs: 10_000, readKeys, writePrefix: `${prefix}back/` });
    expect(again.getFailures.concat(again.putFailures)).toEqual([]);
    expect(byAddress(client.routerStats(), b).operations).toBeGreaterThan(opsB + 100);
  });

  it('a router drained with SIGTERM is ejected through its health status and no request fails', async () => {
    await using client = await connect();
    let stopping: Promise<unknown> | undefined;
    const r = await runLoad(client, {
      total: 3_000, maxMs: 30_000, readKeys, writePrefix: `${prefix}term/`,
      onProgress: (done) => {
        if (done === 1_000) stopping = env.cluster.kill('router-2', 'SIGTERM');
      },
    });
    await stopping;
    expect(r.getFailures).toEqual([]);
    expect(r.putFailures).toEqual([]);
    expect(byAddress(client.routerStats(), b).state).toBe('ejected');
    await env.cluster.restart('router-2');
  });
});
