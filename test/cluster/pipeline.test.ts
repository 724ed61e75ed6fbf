import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient, RingKvError } from '@ringkv/client';
import { useProcessCluster } from '../helpers/cluster.js';
import { uniquePrefix } from '../helpers/keys.js';
import { keysByOwner } from '../helpers/ownership.js';

type Outcome<T> = { ok: true; value: T } | { ok: false; code: string };

/** Its value or its error code; handled at once, so a failure is never an unhandled rejection. */
function outcome<T>(p: Promise<T>): Promise<Outcome<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (err: unknown) => ({ ok: false as const, code: err instanceof RingKvError ? err.code : String(err) }),
  );
}

function outcomes<T>(ps: Promise<T>[]): Promise<Array<Outcome<T>>> {
  return Promise.all(ps.map(outcome));
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const tick = () => new Promise((r) => setImmediate(r));

/**
 * The batching layer end to end: SDK -> (Pipeline stream) -> router -> (one Pipeline stream
 * per shard) -> storage nodes, with operations of many calls sharing frames.
 */
describe('pipelined batches over streams', () => {
  const env = useProcessCluster({ shards: 3, routerArgs: ['--request-timeout-ms', '3000'] });
  let client: RingKvClient;
  let owners: Map<string, string[]>;
  const prefix = uniquePrefix('pipe');

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: [env.cluster.routerAddress], timeoutMs: 5_000 });
    const keys = Array.from({ length: 600 }, (_, i) => `${prefix}k${i}`);
    owners = await keysByOwner(client, keys);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('keeps per-key order for operations issued without awaiting, within and across frames', async () => {
    const key = `${prefix}ordered`;
    const puts: Promise<bigint>[] = [];
    const gets: Promise<Buffer | undefined>[] = [];
    for (let i = 0; i < 300; i++) {
      puts.push(client.put(key, String(i)));
      gets.push(client.get(key));
      // Every 25 pairs, let the batch go so later pairs travel in later frames.
      if (i % 25 === 24) await tick();
    }
    const versions = await Promise.all(puts);
    const seen = (await Promise.all(gets)).map((v) => v?.toString());
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => String(i)));
    for (let i = 1; i < versions.length; i++) expect(versions[i]! > versions[i - 1]!).toBe(true);
    expect((await client.get(key))?.toString()).toBe('299');
  });

  it('an error in one operation does not fail its batch-mates', async () => {
    const ok = `${prefix}mate-ok`;
    const cas = `${prefix}mate-cas`;
    const v = await client.put(cas, 'base');
    // Issued in one tick: one frame from the SDK, split per shard at the router.
    const results = await outcomes<unknown>([
      client.put(ok, 'fine'),
      client.put('x'.repeat(5000), 'too long a key'),
      client.put(cas, 'stale', { ifVersion: v + 12345n }),
      client.put(`${prefix}mate-big`, Buffer.alloc(4 * 1024 * 1024 + 1)),
      client.get(ok),
      client.put(`${prefix}mate-2`, 'fine too'),
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'KEY_TOO_LARGE', 'CONFLICT', 'VALUE_TOO_LARGE', 'ok', 'ok']);
    expect((await client.get(ok))?.toString()).toBe('fine');
    expect((await client.get(cas))?.toString()).toBe('base');
    expect(await client.get(`${prefix}mate-big`)).toBeUndefined();
  });

  it('cancels one request without touching the others in its frame', async () => {
    const ac = new AbortController();
    const keys = Array.from({ length: 20 }, (_, i) => `${prefix}cancel${i}`);
    const ps = keys.map((k, i) => client.put(k, 'v', i === 7 ? { signal: ac.signal } : {}));
    ac.abort();
    const results = await outcomes(ps);
    expect(results[7]).toEqual({ ok: false, code: 'CANCELLED' });
    expect(results.filter((r) => r.ok)).toHaveLength(19);
  });

  it('a stalled shard costs its own keys a deadline, not the others, and memory stays bounded', async () => {
    const victim = 'shard-3';
    const pid = env.cluster.pid(victim)!;
    const routerPid = env.cluster.pid('router')!;
    const stalled = owners.get(victim)!;
    const healthy = [...owners.get('shard-1')!, ...owners.get('shard-2')!];
    const rssBefore = rssBytes(routerPid);
    process.kill(pid, 'SIGSTOP');
    try {
      // A bounded flood at the stalled shard: 20 waves of 1,000 puts of 1 KiB, short deadlines.
      const value = Buffer.alloc(1024, 'f');
      const flood: Promise<Outcome<unknown>>[] = [];
      let maxRss = rssBefore;
      for (let wave = 0; wave < 20; wave++) {
        for (let i = 0; i < 1000; i++) flood.push(outcome(client.put(stalled[i % stalled.length]!, value, { timeoutMs: 1_500 })));
        await tick();
        maxRss = Math.max(maxRss, rssBytes(routerPid));
      }
      // Meanwhile the healthy shards answer promptly.
      const started = Date.now();
      const healthyResults = await outcomes(healthy.slice(0, 200).map((k) => client.put(k, 'during stall', { timeoutMs: 3_000 })));
      expect(healthyResults.filter((r) => !r.ok)).toEqual([]);
      expect(Date.now() - started).toBeLessThan(3_000);
      const floodResults = await Promise.all(flood);
      maxRss = Math.max(maxRss, rssBytes(routerPid));
      const codes = new Set(floodResults.map((r) => (r.ok ? 'ok' : r.code)));
      for (const c of codes) expect(['DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'UNAVAILABLE']).toContain(c);
      // 20 MB of payload went out; the router must not have kept much more than that.
      expect(maxRss - rssBefore).toBeLessThan(256 * 2 ** 20);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // Once it resumes, the shard serves again.
    await expect.poll(async () => {
      try {
        await client.put(stalled[0]!, 'after', { timeoutMs: 2_000 });
        return (await client.get(stalled[0]!))?.toString();
      } catch {
        return 'not yet';
      }
    }, { timeout: 20_000, interval: 250 }).toBe('after');
  });

  it('a shard that dies fails only its own in-flight requests', async () => {
    const victim = 'shard-2';
    const victimKeys = new Set(owners.get(victim)!);
    const keys = [...owners.values()].flat();
    const inFlight: Array<{ key: string; p: Promise<Outcome<unknown>> }> = [];
    const kill = env.cluster.kill(victim, 'SIGKILL');
    for (let round = 0; round < 5; round++) {
      for (const key of keys) inFlight.push({ key, p: outcome(client.put(key, `r${round}`, { timeoutMs: 4_000 })) });
      await tick();
    }
    await kill;
    const results = await Promise.all(inFlight.map((x) => x.p));
    results.forEach((r, i) => {
      const key = inFlight[i]!.key;
      if (!victimKeys.has(key)) expect(r, `key ${key} of a live shard`).toEqual({ ok: true, value: expect.any(BigInt) });
      else if (!r.ok) expect(['UNAVAILABLE', 'DEADLINE_EXCEEDED']).toContain(r.code);
    });
    await env.cluster.restart(victim);
  });
});
