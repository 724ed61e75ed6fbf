import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient, type ArcGroupStatus } from '@ringkv/client';
import { useProcessCluster } from '../helpers/cluster.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { uniquePrefix } from '../helpers/keys.js';
import { waitUntil } from '../helpers/wait.js';

const ERROR_LINE = /^error: ([A-Z_]+): (.*)$/m;

function expectOk(r: CliResult): void {
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
}

/** `status --json` prints the SDK's arc groups as they are. */
type GroupJson = ArcGroupStatus;

interface StatusJson {
  epoch: number;
  shards: Array<{ id: string; replicaState: string; keys: number; state: string }>;
  migrations: unknown[];
  replicationFactor: number;
  arcGroups: GroupJson[];
  underReplicatedArcs: number;
  underReplicatedFraction: number;
  replicationError?: string;
}

/**
 * The replication commands against 3 storage nodes and a coordinating router (separate
 * processes): status at replication factor 1, a refused forced removal, `replication set 2`
 * (dry run, then --wait), and the forced removal of a shard that is gone.
 */
describe('ringkv replication and shard remove --force', () => {
  const env = useProcessCluster({
    shards: 3,
    routerArgs: ['--failure-timeout-ms', '1000', '--heartbeat-interval-ms', '200'],
  });
  let client: RingKvClient;
  const cli = (...args: string[]) => runCli(['--router', env.cluster.routerAddress, ...args], { timeoutMs: 120_000 });
  const status = async (): Promise<StatusJson> => {
    const r = await cli('status', '--json');
    expectOk(r);
    return JSON.parse(r.stdout) as StatusJson;
  };
  const prefix = uniquePrefix('repl-cli');
  const keys = Array.from({ length: 400 }, (_, i) => `${prefix}${i}`);

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: [env.cluster.routerAddress], timeoutMs: 5_000 });
    await client.batchPut(keys.map((key) => ({ key, value: `v:${key}` })));
  });
  afterAll(async () => {
    await client?.close();
  });

  it('status at replication factor 1: one group per shard, each its own primary, nothing under-replicated', async () => {
    const s = await status();
    expect(Object.keys(s)).toEqual(['epoch', 'shards', 'migrations', 'replicationFactor', 'arcGroups', 'underReplicatedArcs', 'underReplicatedFraction', 'controlPlane', 'coordinator', 'routers']);
    expect(s.replicationFactor).toBe(1);
    expect(s.shards.map((x) => x.replicaState)).toEqual(['in_sync', 'in_sync', 'in_sync']);
    expect(s.arcGroups.map((g) => g.primary).sort()).toEqual(['shard-1', 'shard-2', 'shard-3']);
    for (const g of s.arcGroups) {
      expect(g).toMatchObject({ replicas: [g.primary], inSync: [g.primary], underReplicated: false });
      expect(g.arcs).toBeGreaterThan(0);
    }
    expect(s.arcGroups.reduce((a, g) => a + g.fraction, 0)).toBeCloseTo(1, 9);
    expect(s.underReplicatedArcs).toBe(0);
    expect(s.underReplicatedFraction).toBe(0);
    expect(s.shards.reduce((a, x) => a + x.keys, 0)).toBe(keys.length);

    const text = await cli('status');
    expectOk(text);
    expect(text.stdout).toContain('replication: factor 1, 3 arc groups');
    expect(text.stdout).toContain('under-replicated: none (every arc has 1 in-sync replica)');
    expect(text.stdout).toMatch(/│ shard-1 +│ shard-1 +│ all +│/);
  });

  it('shard remove --force is refused at replication factor 1: INVALID_ARGUMENT, nothing changes', async () => {
    const before = await status();
    for (const extra of [[], ['--dry-run']]) {
      const r = await cli('shard', 'remove', 'shard-3', '--force', ...extra);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      const m = ERROR_LINE.exec(r.stderr)!;
      expect(m[1]).toBe('INVALID_ARGUMENT');
      expect(m[2]).toContain('cannot force-remove shard-3 at replicationFactor 1: its keys have no other copy');
    }
    const after = await status();
    expect(after.epoch).toBe(before.epoch);
    expect(after.shards.map((x) => `${x.id}:${x.state}`)).toEqual(['shard-1:active', 'shard-2:active', 'shard-3:active']);
  });

  it('replication set 2 --dry-run prints the copies it would make and changes nothing', async () => {
    const before = await status();
    const r = await cli('replication', 'set', '2', '--dry-run');
    expectOk(r);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^dry run: change the replication factor from 1 to 2 would move \d+ arcs \(100\.0% of the ring\), ~400 keys, ~[\d.]+ KiB; nothing changed$/);
    // Each arc stays with its primary and gains one copy on another shard.
    expect(r.stdout).toMatch(/│ shard-1 -> shard-[23] +│ +\d+ │/);
    expect(r.stdout).not.toMatch(/shard-(\d) -> shard-\1\b/);
    const json = await cli('replication', 'set', '2', '--dry-run', '--json');
    expectOk(json);
    const plan = JSON.parse(json.stdout) as { committed: boolean; epoch: number; fraction: number; arcs: Array<{ from: string; to: string; targets: string[] }> };
    expect(plan.committed).toBe(false);
    expect(plan.epoch).toBe(before.epoch);
    expect(plan.fraction).toBeCloseTo(1, 9);
    for (const a of plan.arcs) {
      expect(a.to).toBe(a.from);
      expect(a.targets.length).toBe(1);
      expect(a.targets[0]).not.toBe(a.from);
    }
    const after = await status();
    expect(after.epoch).toBe(before.epoch);
    expect(after.replicationFactor).toBe(1);
  });

  it('replication set 2 --wait copies every arc; status then shows factor 2 and nothing under-replicated', async () => {
    const r = await cli('replication', 'set', '2', '--wait', '--interval', '200ms', '--wait-timeout', '90s');
    expectOk(r);
    expect(r.stdout).toMatch(/^change the replication factor from 1 to 2: committed at epoch \d+, moving \d+ arcs \(100\.0% of the ring\)/);
    expect(r.stdout).toMatch(/migration complete at epoch \d+ after [\d.]+ m?s\n$/);
    const s = await status();
    expect(s.migrations).toEqual([]);
    expect(s.replicationFactor).toBe(2);
    expect(s.underReplicatedArcs).toBe(0);
    expect(s.underReplicatedFraction).toBe(0);
    expect(s.shards.map((x) => x.replicaState)).toEqual(['in_sync', 'in_sync', 'in_sync']);
    expect(s.arcGroups.length).toBe(6);
    for (const g of s.arcGroups) {
      expect(g.replicas.length).toBe(2);
      expect(g.inSync).toEqual(g.replicas);
      expect(g.primary).toBe(g.replicas[0]);
      expect(g.underReplicated).toBe(false);
    }
    // Two copies of every key.
    expect(s.shards.reduce((a, x) => a + x.keys, 0)).toBe(2 * keys.length);
    const values = await client.batchGet(keys);
    expect(values.map((v) => v?.toString())).toEqual(keys.map((k) => `v:${k}`));

    const text = await cli('status');
    expect(text.stdout).toContain('replication: factor 2, 6 arc groups');
    expect(text.stdout).toContain('under-replicated: none (every arc has 2 in-sync replicas)');
    expect(text.stdout).toContain('(every replica counts its keys)');
    expect(text.stdout).not.toContain('UNDER-REPLICATED');
  });

  it('a dead shard fails over: status flags its groups UNDER-REPLICATED; shard remove --force --wait re-replicates from the survivors', async () => {
    await env.cluster.kill('shard-3', 'SIGKILL');
    const degraded = await waitUntil('the coordinator drops shard-3 from the in-sync sets', async () => {
      const s = await status();
      return s.shards.find((x) => x.id === 'shard-3')!.replicaState === 'out_of_sync' && s.underReplicatedArcs > 0 ? s : undefined;
    }, 30_000, 250);
    for (const g of degraded.arcGroups) {
      expect(g.underReplicated, g.replicas.join()).toBe(g.replicas.includes('shard-3'));
      expect(g.inSync).toEqual(g.replicas.filter((id) => id !== 'shard-3'));
    }
    const text = await cli('status');
    expect(text.stdout).toMatch(/│ shard-3 │ .* │ out_of_sync │ no/);
    expect(text.stdout).toMatch(/UNDER-REPLICATED 1\/2/);
    expect(text.stdout).toMatch(/under-replicated: \d+ arcs \([\d.]+% of the ring\) with fewer than 2 in-sync replicas/);

    const r = await cli('shard', 'remove', 'shard-3', '--force', '--wait', '--json', '--interval', '200ms', '--wait-timeout', '90s');
    expectOk(r);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { committed?: boolean; complete?: boolean; arcs?: Array<{ from: string }> });
    expect(lines[0]!.committed).toBe(true);
    // The copies come from the survivors.
    expect(lines[0]!.arcs!.length).toBeGreaterThan(0);
    expect(lines[0]!.arcs!.every((a) => a.from !== 'shard-3')).toBe(true);
    expect(lines.at(-1)!.complete).toBe(true);

    const s = await status();
    expect(s.shards.map((x) => x.id)).toEqual(['shard-1', 'shard-2']);
    expect(s.replicationFactor).toBe(2);
    expect(s.underReplicatedArcs).toBe(0);
    for (const g of s.arcGroups) expect(g.inSync.sort()).toEqual(['shard-1', 'shard-2']);
    expect(s.shards.map((x) => x.keys)).toEqual([keys.length, keys.length]);
    const values = await client.batchGet(keys);
    expect(values.map((v) => v?.toString())).toEqual(keys.map((k) => `v:${k}`));
  });
});
