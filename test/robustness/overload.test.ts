import { readFileSync } from 'node:fs';
import { credentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient, RingKvError } from '@ringkv/client';
import { CLIENT_CHANNEL_OPTIONS, KvService, MAX_MESSAGE_BYTES, NodeService, type KVClient, type PipelineReply__Output } from '@ringkv/core';
import { useProcessCluster } from '../helpers/cluster.js';
import { checkHealth } from '../helpers/health.js';
import { uniquePrefix } from '../helpers/keys.js';
import { keysByOwner } from '../helpers/ownership.js';
import { unary } from './raw-grpc.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/**
 * Overload: messages over the size limit, and a flood of writes at a router whose shard stalls
 * (SIGSTOP: a realistic "slow shard"). The router sheds with RESOURCE_EXHAUSTED at once instead
 * of buffering, its memory stays bounded, and once the shard resumes every acknowledged write
 * is readable.
 */
describe('overload: message size limits, and a flood against a stalled shard', () => {
  const env = useProcessCluster({
    shards: 2,
    // Small caps so that a short flood reaches them (defaults: 100,000 ops, 256 MiB, 50,000 per stream).
    routerArgs: ['--max-in-flight-ops', '2000', '--max-in-flight-bytes', String(4 * 1024 * 1024), '--max-stream-in-flight-ops', '1000',
      '--request-timeout-ms', '3000'],
  });
  let client: RingKvClient;
  const prefix = uniquePrefix('flood');

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: [env.cluster.routerAddress], timeoutMs: 5_000 });
  });
  afterAll(async () => {
    await client?.close();
  });

  it(`a message over ${MAX_MESSAGE_BYTES / 2 ** 20} MiB gets RESOURCE_EXHAUSTED from router and node, and both keep serving`, async () => {
    const big = { ops: [{ put: { key: Buffer.from(`${prefix}big`), value: Buffer.alloc(MAX_MESSAGE_BYTES + 1024, 1) } }] };
    // A client that would send it (ours refuse to: CLIENT_CHANNEL_OPTIONS cap sends too).
    const opts = { ...CLIENT_CHANNEL_OPTIONS, 'grpc.max_send_message_length': -1 };
    const kv = new KvService(env.cluster.routerAddress, credentials.createInsecure(), opts);
    const node = new NodeService(env.cluster.address('shard-1'), credentials.createInsecure(), opts);
    const ours = new KvService(env.cluster.routerAddress, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
    try {
      for (const [c, method, req] of [[kv, 'Execute', big], [node, 'Execute', { epoch: '0', ...big }], [ours, 'Execute', big]] as const) {
        const outcome = await unary(c, method, req, 20_000);
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) expect(outcome.grpcCode, outcome.details).toBe(status.RESOURCE_EXHAUSTED);
      }
    } finally {
      kv.close();
      node.close();
      ours.close();
    }
    for (const name of ['router', 'shard-1']) expect(await checkHealth(env.cluster.address(name), '', 2_000)).toBe('SERVING');
    expect(await client.put(`${prefix}after-big`, 'ok')).toBeGreaterThan(0n);
  }, 60_000);

  it('a flood at a router in front of a stalled shard: RESOURCE_EXHAUSTED at once, bounded RSS, nothing acknowledged lost', async () => {
    const routerPid = env.cluster.pid('router')!;
    const stalled = 'shard-1';
    const stalledPid = env.cluster.pid(stalled)!;
    const value = Buffer.alloc(1024, 0x76);
    const acked: string[] = [];
    const codes = new Map<string, number>();
    const shedMs: number[] = [];
    const count = (code: string) => codes.set(code, (codes.get(code) ?? 0) + 1);

    // Open-loop flooders on raw Pipeline streams: a frame of 50 puts every 10 ms whatever the
    // replies, as a misbehaving client would; each put of a fresh key.
    const flooders: KVClient[] = Array.from({ length: 3 }, () =>
      new KvService(env.cluster.routerAddress, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS));
    let stop = false;
    const flood = (kv: KVClient, f: number) => new Promise<void>((resolve) => {
      const call = kv.pipeline();
      const sent = new Map<number, { at: number; keys: string[] }>();
      let id = 0;
      call.on('data', (r: PipelineReply__Output) => {
        const frame = sent.get(r.id);
        if (!frame) return;
        sent.delete(r.id);
        if (r.errorCode) {
          count(r.errorCode);
          if (r.errorCode === 'RESOURCE_EXHAUSTED') shedMs.push(Date.now() - frame.at);
          return;
        }
        r.results.forEach((res, i) => {
          if (res.errorCode) count(res.errorCode);
          else acked.push(frame.keys[i]!);
        });
      });
      call.on('error', () => resolve());
      call.on('end', () => resolve());
      const timer = setInterval(() => {
        if (stop || id >= 2_000) {
          clearInterval(timer);
          call.end();
          return;
        }
        const keys = Array.from({ length: 50 }, (_, i) => `${prefix}f${f}-${id}-${i}`);
        sent.set(++id, { at: Date.now(), keys });
        call.write({ id, ops: keys.map((key) => ({ put: { key: Buffer.from(key), value } })) });
      }, 10);
    });
    // Closed-loop SDK writers too: what a well-behaved application sees.
    const sdkWriter = async (w: number) => {
      for (let i = 0; !stop && i < 100_000; i++) {
        const key = `${prefix}s${w}-${i}`;
        try {
          await client.put(key, value, { timeoutMs: 4_000 });
          acked.push(key);
        } catch (err) {
          count(err instanceof RingKvError ? `sdk:${err.code}` : `sdk:${String(err)}`);
        }
      }
    };

    await client.put(`${prefix}warm`, value);
    const rssBefore = rssMiB(routerPid);
    let rssMax = rssBefore;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMiB(routerPid))), 100);
    process.kill(stalledPid, 'SIGSTOP');
    const stalledAt = Date.now();
    let resumed = false;
    try {
      const load = [...flooders.map(flood), ...Array.from({ length: 32 }, (_, w) => sdkWriter(w))];
      await sleep(7_000);
      stop = true;
      await Promise.all(load);
    } finally {
      clearInterval(sampler);
      if (!resumed) process.kill(stalledPid, 'SIGCONT');
      resumed = true;
      for (const f of flooders) f.close();
    }
    const stalledMs = Date.now() - stalledAt;
    const shedSorted = [...shedMs].sort((a, b) => a - b);
    const summary = { stalledMs, rssBefore: Math.round(rssBefore), rssMax: Math.round(rssMax), acked: acked.length, codes: Object.fromEntries(codes),
      shedP50Ms: shedSorted[Math.floor(shedSorted.length / 2)], shedP99Ms: shedSorted[Math.floor(shedSorted.length * 0.99)] };
    process.stdout.write(`flood against a stalled shard: ${JSON.stringify(summary)}\n`);

    expect(codes.get('RESOURCE_EXHAUSTED') ?? 0, 'frames shed').toBeGreaterThan(0);
    // Shedding answers at once, while the stalled shard's writes wait for their deadline.
    expect(summary.shedP50Ms!).toBeLessThan(500);
    // Every failure is an overload or a deadline; nothing else (INTERNAL would be a bug).
    const allowed = new Set(['RESOURCE_EXHAUSTED', 'DEADLINE_EXCEEDED', 'sdk:RESOURCE_EXHAUSTED', 'sdk:DEADLINE_EXCEEDED']);
    expect([...codes.keys()].filter((c) => !allowed.has(c))).toEqual([]);
    // About 75 MiB were offered during the stall; the router held at most its caps' worth.
    expect(rssMax - rssBefore, `router RSS ${summary.rssBefore} -> max ${summary.rssMax} MiB`).toBeLessThan(120);
    // The healthy shard kept serving: some writes were acknowledged during the stall.
    const owners = await keysByOwner(client, acked);
    expect(owners.get('shard-2')!.length).toBeGreaterThan(100);

    // The shard resumes: every acknowledged write is readable, with its value.
    expect(await checkHealth(env.cluster.address(stalled), '', 5_000)).toBe('SERVING');
    const missing: string[] = [];
    for (let i = 0; i < acked.length; i += 1000) {
      const chunk = acked.slice(i, i + 1000);
      const values = await client.batchGet(chunk, { timeoutMs: 10_000 });
      chunk.forEach((k, j) => {
        if (!values[j]?.equals(value)) missing.push(k);
      });
    }
    expect(missing.length, `${missing.length} of ${acked.length} acknowledged writes unreadable`).toBe(0);
  }, 60_000);
});
