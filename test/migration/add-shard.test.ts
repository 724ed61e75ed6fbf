import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { formatArc } from '@ringkv/core';
import { useProcessCluster } from '../helpers/cluster.js';
import { runCli } from '../helpers/cli.js';
import { ExtraNode } from '../helpers/node-process.js';
import { uniquePrefix } from '../helpers/keys.js';
import { Churn, KeyModel, checkSettled, expectedCounts, keysIn, load, ringDiff } from './checks.js';

const KEYS = 20_000;

interface PlanJson {
  epoch: number;
  committed: boolean;
  fraction: number;
  estimatedKeys: number;
  estimatedBytes: number;
  arcs: Array<{ arc: string; from: string; to: string; state: string; estimatedKeys: number; estimatedBytes: number }>;
}

/** Issue 3, tests 1 and 3: 3 -> 4 shards with 20,000 keys, with writers and deleters running. */
describe('adding a shard: 3 -> 4 with 20,000 keys', () => {
  const env = useProcessCluster({ shards: 3 });
  const model = new KeyModel();
  let client: RingKvClient;
  let node4: ExtraNode;
  let keys: string[];
  const cli = (...args: string[]) => runCli(['--router', env.cluster.routerAddress, ...args], { timeoutMs: 120_000 });

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: [env.cluster.routerAddress] });
    keys = await load(client, model, uniquePrefix('add'), KEYS);
    node4 = await ExtraNode.start('shard-4', { root: env.cluster.root });
  });
  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      process.stderr.write(`----- shard-4 (${node4?.logPath}) -----\n${node4?.logTail(25) ?? ''}\n`);
    });
  });
  afterAll(async () => {
    await client?.close();
    await node4?.stop();
  });

  it('--dry-run prints the ring diff with estimates and changes nothing', async () => {
    const before = await client.admin.clusterMap();
    const r = await cli('shard', 'add', 'shard-4', node4.address, '--dry-run', '--json');
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as PlanJson;
    const diff = ringDiff(before, [...before.members, { id: 'shard-4', weight: 1 }]);
    expect(plan.committed).toBe(false);
    expect(plan.epoch).toBe(Number(before.epoch));
    expect(plan.arcs.map((a) => `${a.arc} ${a.from}->${a.to}`)).toEqual(diff.map((a) => `${formatArc(a)} ${a.from}->${a.to}`));
    // Every arc goes to the new shard; its estimates count exactly the keys it holds.
    expect(new Set(plan.arcs.map((a) => a.to))).toEqual(new Set(['shard-4']));
    expect(plan.estimatedKeys).toBe(keysIn(diff, keys).length);
    expect(plan.fraction).toBeGreaterThan(0.15);
    expect(plan.fraction).toBeLessThan(0.35);

    const text = await cli('shard', 'add', 'shard-4', node4.address, '--dry-run');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/dry run: add shard shard-4 .* would move \d+ arcs \([\d.]+% of the ring\), ~\d+ keys/);
    expect(text.stdout).toContain('shard-1 -> shard-4');
    expect(text.stdout).toContain('nothing changed');

    const after = await client.admin.clusterMap();
    expect(after.epoch).toBe(before.epoch);
    expect(after.members.map((m) => m.id)).toEqual(before.members.map((m) => m.id));
  });

  it('shard add --wait moves a quarter of the keys while writers and deleters run; nothing is lost or resurrected', async () => {
    const before = await client.admin.clusterMap();
    const moved = new Set(keysIn(ringDiff(before, [...before.members, { id: 'shard-4', weight: 1 }]), keys));
    let migrating = false;
    // Writers and deleters on 2,000 of the keys, a quarter of which are on moving arcs.
    const churn = new Churn(client, model, keys.slice(0, 2_000), { workers: 4, maxMs: 90_000, during: () => migrating });
    const started = Date.now();
    migrating = true;
    const r = await cli('shard', 'add', 'shard-4', node4.address, '--wait', '--json');
    migrating = false;
    const stats = await churn.stop();
    const ms = Date.now() - started;
    expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
    const [planLine, doneLine] = r.stdout.trim().split('\n');
    const plan = JSON.parse(planLine!) as PlanJson;
    expect(plan.committed).toBe(true);
    expect(plan.epoch).toBeGreaterThan(Number(before.epoch));
    expect(JSON.parse(doneLine!)).toMatchObject({ complete: true });

    const { map, status, live } = await checkSettled(client, model, BigInt(plan.epoch));
    expect(map.members.map((m) => m.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3', 'shard-4']);
    const newShard = status.shards.find((s) => s.id === 'shard-4')!;
    expect(newShard.state).toBe('active');
    const ideal = live.length / 4;
    expect(Number(newShard.keys), `shard-4 holds ${newShard.keys} of ${live.length} keys`).toBeGreaterThanOrEqual(ideal * 0.75);
    expect(Number(newShard.keys)).toBeLessThanOrEqual(ideal * 1.25);
    // The old owners kept none of what moved: each shard holds exactly what the new ring gives it.
    expect(Number(newShard.keys)).toBe(expectedCounts(map, live).get('shard-4'));
    const liveSet = new Set(live);
    expect([...moved].filter((k) => liveSet.has(k)).length, 'live keys of the moved arcs = what shard-4 holds').toBe(Number(newShard.keys));

    // The load really ran during the migration, on moving keys too.
    const touchedMoving = [...stats.touchedDuring].filter((k) => moved.has(k)).length;
    process.stdout.write(`add: ${ms} ms, churn ${stats.puts} puts ${stats.deletes} deletes ${stats.failed} failed ` +
      `(${JSON.stringify(Object.fromEntries(stats.errors))}), ${stats.during} during the migration, ${touchedMoving} moving keys touched\n`);
    expect(stats.during).toBeGreaterThan(0);
    expect(touchedMoving).toBeGreaterThan(0);
    expect(stats.failed, 'failed operations (allowed, but there should be few)').toBeLessThan(stats.puts + stats.deletes);
  });

  it('status --json lists no migration afterwards, and the human status shows the four shards', async () => {
    const r = await cli('status', '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { migrations: unknown[]; shards: Array<{ id: string; state: string }> };
    expect(s.migrations).toEqual([]);
    expect(s.shards.map((x) => `${x.id}:${x.state}`).sort()).toEqual(['shard-1:active', 'shard-2:active', 'shard-3:active', 'shard-4:active']);
    const text = await cli('status');
    expect(text.stdout).toContain('migrations: none');
    expect(text.stdout).toContain('shard-4');
    const m = await cli('migrations');
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/no migration in progress/);
  });
});
