import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient, type ClusterMap } from '@ringkv/client';
import { formatArc } from '@ringkv/core';
import { useProcessCluster } from '../helpers/cluster.js';
import { runCli } from '../helpers/cli.js';
import { uniquePrefix } from '../helpers/keys.js';
import { Churn, KeyModel, checkSettled, keysIn, load, ringDiff } from './checks.js';

const KEYS = 20_000;

interface PlanJson {
  epoch: number;
  committed: boolean;
  arcs: Array<{ arc: string; from: string; to: string }>;
  estimatedKeys: number;
}

/** Issue 3, tests 2 and 3: 4 -> 3 shards (remove), then a weight change, with writers and deleters running. */
describe('removing a shard and changing a weight, 20,000 keys', () => {
  const env = useProcessCluster({ shards: 4 });
  const model = new KeyModel();
  let client: RingKvClient;
  let keys: string[];
  const cli = (...args: string[]) => runCli(['--router', env.cluster.routerAddress, ...args], { timeoutMs: 120_000 });

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: [env.cluster.routerAddress] });
    keys = await load(client, model, uniquePrefix('rw'), KEYS);
  });
  afterAll(async () => {
    await client?.close();
  });

  /** Runs one change through the CLI with --wait while writers and deleters run on 2,000 keys. */
  async function changeUnderLoad(args: string[], next: (map: ClusterMap) => Array<{ id: string; weight: number }>) {
    const before = await client.admin.clusterMap();
    const diff = ringDiff(before, next(before));
    const moved = new Set(keysIn(diff, keys));
    // The dry run is the same plan, and changes nothing.
    const dry = await cli(...args, '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    const dryPlan = JSON.parse(dry.stdout) as PlanJson;
    expect(dryPlan.arcs.map((a) => `${a.arc} ${a.from}->${a.to}`)).toEqual(diff.map((a) => `${formatArc(a)} ${a.from}->${a.to}`));
    expect((await client.admin.clusterMap()).epoch).toBe(before.epoch);

    let migrating = true;
    const churn = new Churn(client, model, keys.slice(0, 2_000), { workers: 4, maxMs: 90_000, during: () => migrating });
    const started = Date.now();
    const r = await cli(...args, '--wait', '--json');
    migrating = false;
    const stats = await churn.stop();
    expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
    const plan = JSON.parse(r.stdout.split('\n')[0]!) as PlanJson;
    expect(plan.committed).toBe(true);
    expect(plan.arcs.map((a) => a.arc)).toEqual(dryPlan.arcs.map((a) => a.arc));
    const settled = await checkSettled(client, model, BigInt(plan.epoch));
    const touchedMoving = [...stats.touchedDuring].filter((k) => moved.has(k)).length;
    process.stdout.write(`${args.join(' ')}: ${Date.now() - started} ms, ${diff.length} arcs, churn ${stats.puts} puts ` +
      `${stats.deletes} deletes ${stats.failed} failed (${JSON.stringify(Object.fromEntries(stats.errors))}), ` +
      `${stats.during} during the migration, ${touchedMoving} moving keys touched\n`);
    expect(stats.during).toBeGreaterThan(0);
    expect(touchedMoving).toBeGreaterThan(0);
    return settled;
  }

  it('shard remove --wait drains shard-4 into the other three; it leaves the map and can be stopped', async () => {
    const { map, status, live } = await changeUnderLoad(['shard', 'remove', 'shard-4'], (m) =>
      m.members.filter((x) => x.id !== 'shard-4').map((x) => ({ id: x.id, weight: x.weight })));
    expect(map.members.map((m) => m.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3']);
    expect(status.shards.map((s) => s.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3']);
    for (const s of status.shards) {
      expect(Number(s.keys), s.id).toBeGreaterThanOrEqual((live.length / 3) * 0.75);
      expect(Number(s.keys), s.id).toBeLessThanOrEqual((live.length / 3) * 1.25);
    }
    const list = JSON.parse((await cli('shard', 'list', '--json')).stdout) as { shards: Array<{ id: string }> };
    expect(list.shards.map((s) => s.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3']);

    // Nothing needs the removed node any more: stop it, and every key still reads back.
    const exit = await env.cluster.kill('shard-4', 'SIGTERM');
    expect(exit.code).toBe(0);
    await checkSettled(client, model, map.epoch);
  });

  it('shard weight shard-1 2 --wait moves shard-1 to half of the keys', async () => {
    const { map, status, live } = await changeUnderLoad(['shard', 'weight', 'shard-1', '2'], (m) =>
      m.members.map((x) => ({ id: x.id, weight: x.id === 'shard-1' ? 2 : x.weight })));
    expect(map.members.find((m) => m.id === 'shard-1')!.weight).toBe(2);
    const s1 = status.shards.find((s) => s.id === 'shard-1')!;
    expect(s1.weight).toBe(2);
    const ideal = live.length / 2;
    expect(Number(s1.keys), `shard-1 holds ${s1.keys} of ${live.length}`).toBeGreaterThanOrEqual(ideal * 0.75);
    expect(Number(s1.keys)).toBeLessThanOrEqual(ideal * 1.25);
  });
});
