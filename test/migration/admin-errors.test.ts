import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RingKvClient, type ClusterMap } from '@ringkv/client';
import { AdminService, fromGrpcError, type RingKvError } from '@ringkv/core';
import { ProcessCluster, REPO_ROOT, ROUTER_BIN, useProcessCluster } from '../helpers/cluster.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { checkHealth } from '../helpers/health.js';
import { ExtraNode } from '../helpers/node-process.js';
import { uniquePrefix } from '../helpers/keys.js';
import { track } from '../helpers/reaper.js';
import { waitUntil } from '../helpers/wait.js';
import { KeyModel, checkSettled, load } from './checks.js';

const ERROR_LINE = /^error: ([A-Z_]+): (.*)$/m;

/** A refused command: non-zero exit, `error: CODE: ...` on stderr, nothing on stdout. */
function expectRefused(r: CliResult, code: string, message?: RegExp): void {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).not.toBe(0);
  expect(r.code).not.toBeNull();
  const m = ERROR_LINE.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  expect(m![1], r.stderr).toBe(code);
  if (message) expect(m![2]).toMatch(message);
  expect(r.stdout).toBe('');
}

/** The parts of the map a refused change must leave alone (the migrator may still bump the epoch). */
function membership(map: ClusterMap): string {
  return JSON.stringify({
    members: map.members.map((m) => [m.id, m.address, m.weight, m.state]),
    next: map.nextMembers.map((m) => [m.id, m.address, m.weight, m.state]),
    arcs: map.migrations.map((a) => [a.start, a.end, a.from, a.to]),
  });
}

/** One Admin RPC straight to the router, bypassing the SDK's and the CLI's own checks. */
function rawAdmin(router: string, method: 'AddShard' | 'SetWeight' | 'RemoveShard', request: object): Promise<RingKvError | undefined> {
  const client = new AdminService(router, credentials.createInsecure());
  return new Promise((resolve) => {
    (client[method] as (req: object, opts: object, cb: (err: unknown) => void) => void).call(client, request, { deadline: Date.now() + 15_000 }, (err) => {
      client.close();
      resolve(err ? fromGrpcError(err) : undefined);
    });
  });
}

/** Issue 3, rules: every refused change names a clear code and changes nothing. */
describe('membership changes that must be refused', () => {
  // Slow migrations, so that one is still running when the second change arrives.
  const env = useProcessCluster({ shards: 3, routerArgs: ['--migration-rate', '8000', '--migration-arcs', '2'] });
  const model = new KeyModel();
  const extra: ExtraNode[] = [];
  let client: RingKvClient;
  const cli = (...args: string[]) => runCli(['--router', env.cluster.routerAddress, ...args], { timeoutMs: 60_000 });

  /** Runs `refuse` and checks the epoch and the membership did not move. */
  async function unchanged(refuse: () => Promise<void>): Promise<void> {
    const before = await client.admin.clusterMap();
    await refuse();
    const after = await client.admin.clusterMap();
    expect(after.epoch).toBe(before.epoch);
    expect(membership(after)).toBe(membership(before));
  }

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: [env.cluster.routerAddress] });
    await load(client, model, uniquePrefix('err'), 1_500, 100);
  });
  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      for (const n of extra) process.stderr.write(`----- ${n.id} (${n.logPath}) -----\n${n.logTail(15)}\n`);
    });
  });
  afterAll(async () => {
    await client?.close();
    await Promise.all(extra.map((n) => n.stop()));
  });

  it('a second change while one migrates: MIGRATION_IN_PROGRESS, and the running plan is untouched', async () => {
    const [node4, node5] = await Promise.all(['shard-4', 'shard-5'].map((id) => ExtraNode.start(id, { root: env.cluster.root })));
    extra.push(node4!, node5!);
    const add = await cli('shard', 'add', 'shard-4', node4!.address);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/committed at epoch \d+, moving \d+ arcs/);
    const running = await client.admin.clusterMap();
    expect(running.migrations.length).toBeGreaterThan(0);
    const plan = membership(running);

    const refusals = await Promise.all([
      ['shard', 'add', 'shard-5', node5!.address],
      ['shard', 'add', 'shard-5', node5!.address, '--dry-run'],
      ['shard', 'remove', 'shard-2'],
      ['shard', 'weight', 'shard-1', '2'],
    ].map((args) => cli(...args)));
    for (const r of refusals) expectRefused(r, 'MIGRATION_IN_PROGRESS', /in progress/);
    await expect(client.admin.removeShard('shard-3')).rejects.toMatchObject({ code: 'MIGRATION_IN_PROGRESS' });
    const during = await client.admin.clusterMap();
    expect(membership(during), 'the running plan after the refused changes').toBe(plan);
    expect((await client.admin.status()).migrations.length, 'still migrating: the refusals were tested mid-way').toBeGreaterThan(0);

    // The first change completes as planned, without shard-5.
    const { map } = await checkSettled(client, model, running.epoch);
    expect(map.members.map((m) => m.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3', 'shard-4']);
  });

  it('two changes sent at the same moment: exactly one is committed, the other gets MIGRATION_IN_PROGRESS', async () => {
    const node6 = await ExtraNode.start('shard-6', { root: env.cluster.root });
    extra.push(node6);
    const before = await client.admin.clusterMap();
    const results = await Promise.allSettled([
      client.admin.addShard('shard-6', node6.address),
      client.admin.removeShard('shard-4'),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.map((r) => (r.reason as RingKvError).code)).toEqual(['MIGRATION_IN_PROGRESS']);
    expect(ok).toHaveLength(1);
    const map = await client.admin.clusterMap();
    // The map carries the plan of the one that won, whole.
    const won = results[0]!.status === 'fulfilled' ? 'add' : 'remove';
    const expectedNext = won === 'add'
      ? [...before.members.map((m) => m.id), 'shard-6'].sort()
      : before.members.map((m) => m.id).filter((id) => id !== 'shard-4').sort();
    expect(map.nextMembers.map((m) => m.id).sort()).toEqual(expectedNext);
    const { map: settled } = await checkSettled(client, model, map.epoch);
    expect(settled.members.map((m) => m.id).sort()).toEqual(expectedNext);
  });

  it('a duplicate id or address: INVALID_ARGUMENT', async () => {
    const map = await client.admin.clusterMap();
    const member = map.members[0]!;
    await unchanged(async () => {
      expectRefused(await cli('shard', 'add', member.id, '127.0.0.1:1'), 'INVALID_ARGUMENT', /already in the cluster/);
      expectRefused(await cli('shard', 'add', 'shard-7', member.address), 'INVALID_ARGUMENT', /already used by/);
      expectRefused(await cli('shard', 'add', 'shard-7', member.address, '--dry-run'), 'INVALID_ARGUMENT', /already used by/);
    });
  });

  it('an unreachable new shard: UNAVAILABLE', async () => {
    const port = await freePort();
    await unchanged(async () => {
      expectRefused(await cli('shard', 'add', 'shard-7', `127.0.0.1:${port}`), 'UNAVAILABLE', /cannot reach the new shard/);
    });
  });

  it('a node started with another --id: INVALID_ARGUMENT', async () => {
    const node8 = await ExtraNode.start('shard-8', { root: env.cluster.root });
    extra.push(node8);
    await unchanged(async () => {
      expectRefused(await cli('shard', 'add', 'shard-7', node8.address), 'INVALID_ARGUMENT', /"shard-8", not "shard-7"/);
    });
  });

  it('a node that belongs to another cluster: INVALID_ARGUMENT', async () => {
    const node9 = await ExtraNode.start('shard-9', { root: env.cluster.root });
    extra.push(node9);
    await joinAnotherCluster(env.cluster, node9);
    await unchanged(async () => {
      expectRefused(await cli('shard', 'add', 'shard-9', node9.address), 'INVALID_ARGUMENT', /another cluster/);
    });
  });

  it('a weight <= 0: INVALID_ARGUMENT from the CLI and from the router', async () => {
    const map = await client.admin.clusterMap();
    const id = map.members[0]!.id;
    const node10 = await ExtraNode.start('shard-10', { root: env.cluster.root });
    extra.push(node10);
    await unchanged(async () => {
      expectRefused(await cli('shard', 'weight', id, '0'), 'INVALID_ARGUMENT', /> 0/);
      expectRefused(await cli('shard', 'weight', id, 'heavy'), 'INVALID_ARGUMENT');
      expectRefused(await cli('shard', 'add', 'shard-10', node10.address, '--weight', '0'), 'INVALID_ARGUMENT');
      expectRefused(await cli('shard', 'add', 'shard-10', node10.address, '--weight=-2'), 'INVALID_ARGUMENT');
      await expect(client.admin.setWeight(id, -1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      // The router's own check, without the CLI's and the SDK's.
      const router = env.cluster.routerAddress;
      expect((await rawAdmin(router, 'SetWeight', { id, weight: 0 }))?.code).toBe('INVALID_ARGUMENT');
      expect((await rawAdmin(router, 'SetWeight', { id, weight: -1 }))?.code).toBe('INVALID_ARGUMENT');
      expect((await rawAdmin(router, 'AddShard', { id: 'shard-10', address: node10.address, weight: -1 }))?.code).toBe('INVALID_ARGUMENT');
    });
  });

  it('an unknown shard: UNKNOWN_SHARD', async () => {
    await unchanged(async () => {
      expectRefused(await cli('shard', 'remove', 'shard-77'), 'UNKNOWN_SHARD');
      expectRefused(await cli('shard', 'weight', 'shard-77', '2'), 'UNKNOWN_SHARD');
      expectRefused(await cli('shard', 'weight', 'shard-77', '2', '--dry-run'), 'UNKNOWN_SHARD');
    });
  });

  it('every key still reads back, placed as the ring says', async () => {
    const map = await client.admin.clusterMap();
    await checkSettled(client, model, map.epoch);
  });
});

describe('removing the last shard', () => {
  const env = useProcessCluster({ shards: 1 });

  it('is refused with INVALID_ARGUMENT, dry run or not, and changes nothing', async () => {
    const cli = (...args: string[]) => runCli(['--router', env.cluster.routerAddress, ...args]);
    const client = await RingKvClient.connect({ routers: [env.cluster.routerAddress] });
    try {
      await client.put('last', 'still here');
      const before = await client.admin.clusterMap();
      expectRefused(await cli('shard', 'remove', 'shard-1'), 'INVALID_ARGUMENT', /last shard/);
      expectRefused(await cli('shard', 'remove', 'shard-1', '--dry-run'), 'INVALID_ARGUMENT', /last shard/);
      expect((await rawAdmin(env.cluster.routerAddress, 'RemoveShard', { id: 'shard-1' }))?.code).toBe('INVALID_ARGUMENT');
      const after = await client.admin.clusterMap();
      expect(after.epoch).toBe(before.epoch);
      expect(membership(after)).toBe(membership(before));
      expect((await client.get('last'))?.toString()).toBe('still here');
    } finally {
      await client.close();
    }
  });
});

/** Bootstraps a throw-away router on `node`, which then holds that other cluster's map. */
async function joinAnotherCluster(cluster: ProcessCluster, node: ExtraNode): Promise<void> {
  const port = await freePort();
  const dataDir = join(cluster.root, 'other-router');
  mkdirSync(dataDir, { recursive: true });
  const child = spawn(process.execPath, [ROUTER_BIN, '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--shard', `${node.id}=${node.address}`], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
    env: { ...process.env, RINGKV_LOG_LEVEL: 'warn' },
  });
  track(child);
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await waitUntil('the other router serving', async () => ((await checkHealth(`127.0.0.1:${port}`)) === 'SERVING' ? true : undefined), 20_000);
    const other = await RingKvClient.connect({ routers: [`127.0.0.1:${port}`] });
    try {
      // A write succeeds only once the node installed the other cluster's map.
      await waitUntil('the node serving the other cluster', async () => (await other.put('other', 'cluster')) > 0n || undefined, 20_000);
    } finally {
      await other.close();
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}
