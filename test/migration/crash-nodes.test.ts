import { describe, expect, it } from 'vitest';
import { useProcessCluster } from '../helpers/cluster.js';
import { runCli } from '../helpers/cli.js';
import { sleep } from '../helpers/wait.js';
import { Churn, KeyModel, checkSettled, expectNear, useMigrationFixture, waitMidway } from './checks.js';

const KEYS = 20_000;

/**
 * Issue 3, test 5 (storage nodes): SIGKILL the source, then the target, of arcs being copied;
 * restart it on the same port and data dir; the migration resumes and the checks of test 1
 * hold. The byte-rate limit stretches each migration over a few seconds so the kill lands
 * mid-way (the tests check that it did).
 */
describe('SIGKILL of a source and of a target mid-migration', () => {
  const env = useProcessCluster({ shards: 3, routerArgs: ['--migration-rate', '100000', '--migration-arcs', '2'] });
  const model = new KeyModel();
  const fx = useMigrationFixture(env, model, 'crash', KEYS);
  const cli = (...args: string[]) => runCli(['--router', env.cluster.routerAddress, ...args], { timeoutMs: 60_000 });

  it('3 -> 4: the source of a copying arc is killed and restarted; the migration resumes', async () => {
    const plan = await fx.client.admin.addShard('shard-4', fx.node4.address);
    expect(plan.committed).toBe(true);
    const churn = new Churn(fx.client, model, fx.keys.slice(0, 1_000), { workers: 2, maxMs: 60_000 });
    const mid = await waitMidway(fx.client, (m) => m.state === 'copying');
    const victim = mid.migrations.find((m) => m.state === 'copying')!.from;
    const exit = await env.cluster.kill(victim, 'SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    await sleep(1_000);
    await env.cluster.restart(victim);
    const stats = await churn.stop();

    const { map, status, live } = await checkSettled(fx.client, model, plan.epoch);
    expect(map.members.map((m) => m.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3', 'shard-4']);
    expectNear(status, 'shard-4', live.length / 4);
    process.stdout.write(`source ${victim} killed at ${describeMid(mid)}; churn ${stats.puts} puts ${stats.deletes} deletes ` +
      `${stats.failed} failed (${JSON.stringify(Object.fromEntries(stats.errors))})\n`);
  });

  it('4 -> 3: a target is killed; --wait gives up with the error while it is down, and the migration completes once it is back', async () => {
    const plan = await fx.client.admin.removeShard('shard-4');
    expect(plan.committed).toBe(true);
    const churn = new Churn(fx.client, model, fx.keys.slice(1_000, 2_000), { workers: 2, maxMs: 60_000 });
    const mid = await waitMidway(fx.client, (m) => m.state === 'copying');
    const victim = mid.migrations.find((m) => m.state === 'copying')!.to;
    await env.cluster.kill(victim, 'SIGKILL');

    // While the target is down the change cannot finish: --wait fails with the coordinator's error.
    const stalled = await cli('rebalance', '--wait', '--wait-timeout', '3s', '--interval', '250ms');
    expect(stalled.code, stalled.stderr).toBe(1);
    expect(stalled.stderr).toMatch(/^error: DEADLINE_EXCEEDED: the migration did not finish within 3\.0 s \(--wait-timeout\); last error: /m);
    const json = JSON.parse((await cli('status', '--json')).stdout) as { migrations: unknown[]; migrationError?: string };
    expect(json.migrations.length).toBeGreaterThan(0);
    expect(json.migrationError, 'status --json names the stalled step').toBeTruthy();

    await env.cluster.restart(victim);
    const resumed = await cli('rebalance', '--wait', '--interval', '250ms');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/migration complete at epoch \d+/);
    const stats = await churn.stop();

    const { map, status } = await checkSettled(fx.client, model, plan.epoch);
    expect(map.members.map((m) => m.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3']);
    expect(status.shards.map((s) => s.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3']);
    process.stdout.write(`target ${victim} killed at ${describeMid(mid)}; churn ${stats.puts} puts ${stats.deletes} deletes ` +
      `${stats.failed} failed (${JSON.stringify(Object.fromEntries(stats.errors))})\n`);
  });
});

function describeMid(s: { migrations: Array<{ state: string }> }): string {
  const n = (state: string) => s.migrations.filter((m) => m.state === state).length;
  return `${n('done')} done / ${n('copying')} copying / ${n('pending')} pending of ${s.migrations.length} arcs`;
}
