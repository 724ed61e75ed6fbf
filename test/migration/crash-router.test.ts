import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI_BIN, REPO_ROOT, useProcessCluster } from '../helpers/cluster.js';
import { track } from '../helpers/reaper.js';
import { sleep } from '../helpers/wait.js';
import { Churn, KeyModel, checkSettled, expectNear, useMigrationFixture, waitMidway } from './checks.js';

const KEYS = 20_000;

/** `ringkv ARGS` in the background, with its output collected. */
function startCli(args: string[]): { done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RINGKV_LOG_LEVEL: 'warn' } });
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return {
    done: new Promise((resolve) => child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    })),
  };
}

/**
 * Issue 3, test 5 (router): SIGKILL the coordinating router mid-migration and restart it on
 * its data dir; it resumes the change from its persisted map, and a `shard add --wait` that
 * was watching rides through the outage.
 */
describe('SIGKILL of the router mid-migration', () => {
  const env = useProcessCluster({ shards: 3, routerArgs: ['--migration-rate', '100000', '--migration-arcs', '2'] });
  const model = new KeyModel();
  const fx = useMigrationFixture(env, model, 'crash-router', KEYS);

  it('3 -> 4: the router is killed and restarted; the migration resumes and every check of test 1 holds', async () => {
    const before = await fx.client.admin.clusterMap();
    const wait = startCli(['--router', env.cluster.routerAddress, 'shard', 'add', 'shard-4', fx.node4.address, '--wait', '--interval', '250ms']);
    const churn = new Churn(fx.client, model, fx.keys.slice(0, 1_000), { workers: 2, maxMs: 60_000 });
    const mid = await waitMidway(fx.client, (m) => m.state === 'copying', { timeoutMs: 60_000, notBefore: before.epoch });
    expect(mid.epoch).toBeGreaterThan(before.epoch);
    const exit = await env.cluster.kill('router', 'SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    await sleep(1_000);
    await env.cluster.restart('router');
    const stats = await churn.stop();

    const cli = await wait.done;
    expect(cli.code, `stdout: ${cli.stdout}\nstderr: ${cli.stderr}`).toBe(0);
    expect(cli.stdout).toMatch(/migration complete at epoch \d+/);
    expect(cli.stderr, 'the watcher saw the router go away').toMatch(/status failed \(UNAVAILABLE/);

    const { map, status, live } = await checkSettled(fx.client, model, mid.epoch);
    expect(map.members.map((m) => m.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3', 'shard-4']);
    expectNear(status, 'shard-4', live.length / 4);
    const n = (state: string) => mid.migrations.filter((m) => m.state === state).length;
    process.stdout.write(`router killed at ${n('done')} done / ${n('copying')} copying / ${n('pending')} pending of ` +
      `${mid.migrations.length} arcs; churn ${stats.puts} puts ${stats.deletes} deletes ${stats.failed} failed ` +
      `(${JSON.stringify(Object.fromEntries(stats.errors))})\n`);
  });
});
