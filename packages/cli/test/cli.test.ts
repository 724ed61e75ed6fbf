import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../src/mod.js';
import { startFakeRouter, type FakeRouter } from '../../client/test/fake-router.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      cb();
    },
  });
}

async function ringkv(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const io: CliIo = { stdout: sink(out), stderr: sink(err), env };
  const code = await runCli(['node', 'ringkv', ...args], io);
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('ringkv CLI against a fake router', () => {
  let router: FakeRouter;
  let r: string[];

  beforeAll(async () => {
    router = await startFakeRouter();
    r = ['--router', router.address];
  });

  afterAll(async () => {
    await router.close();
  });

  it('put prints a version, get prints the value', async () => {
    const put = await ringkv([...r, 'put', 'greeting', 'hello']);
    expect(put.code).toBe(0);
    expect(put.stdout).toMatch(/^\d+\n$/);
    const get = await ringkv([...r, 'get', 'greeting']);
    expect(get).toEqual({ code: 0, stdout: 'hello\n', stderr: '' });
  });

  it('takes the router from RINGKV_ROUTER', async () => {
    await ringkv([...r, 'put', 'env', 'yes']);
    const get = await ringkv(['get', 'env'], { RINGKV_ROUTER: router.address });
    expect(get.stdout).toBe('yes\n');
  });

  it('takes a comma-separated list of routers, from --router or RINGKV_ROUTER', async () => {
    const other = await startFakeRouter();
    try {
      const both = `${router.address}, ${other.address}`;
      for (let i = 0; i < 4; i++) expect((await ringkv(['--router', both, 'put', `list${i}`, 'v'])).code).toBe(0);
      // One batch per command, round robin from the first router: each command's put went to the first.
      expect([0, 1, 2, 3].every((i) => [...router.data.values()].some((s) => s.key.toString() === `list${i}`))).toBe(true);
      expect((await ringkv(['put', 'envlist', 'v'], { RINGKV_ROUTER: `${other.address},${router.address}` })).code).toBe(0);
      expect([...other.data.values()].map((s) => s.key.toString())).toEqual(['envlist']);
      const bad = await ringkv(['--router', `${router.address},nope`, 'get', 'a']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/INVALID_ARGUMENT: invalid router address in --router "nope"/);
    } finally {
      await other.close();
    }
  });

  it('get of a missing key exits 1 with (not found) on stderr', async () => {
    expect(await ringkv([...r, 'get', 'nope'])).toEqual({ code: 1, stdout: '', stderr: '(not found)\n' });
  });

  it('del reports whether the key existed', async () => {
    await ringkv([...r, 'put', 'gone', 'x']);
    expect((await ringkv([...r, 'del', 'gone'])).stdout).toBe('deleted\n');
    expect((await ringkv([...r, 'del', 'gone'])).stdout).toBe('not found\n');
  });

  it('conditional puts fail with CONFLICT and exit 1', async () => {
    const v = (await ringkv([...r, 'put', 'cas', '1'])).stdout.trim();
    const bad = await ringkv([...r, 'put', 'cas', '2', '--if-absent']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: CONFLICT: /);
    expect((await ringkv([...r, 'put', 'cas', '3', '--if-version', v])).code).toBe(0);
  });

  it('scan prints tab-separated lines or JSON lines', async () => {
    await ringkv([...r, 'put', 'p:1', 'a']);
    await ringkv([...r, 'put', 'p:2', 'b']);
    const text = await ringkv([...r, 'scan', '--prefix', 'p:']);
    expect(text.stdout.trim().split('\n').sort()).toEqual(['p:1\ta', 'p:2\tb']);
    const json = await ringkv([...r, 'scan', '--prefix', 'p:', '--json', '--limit', '1']);
    const lines = json.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ value: expect.any(String), version: expect.stringMatching(/^\d+$/) });
  });

  it('status --json has the documented shape with numbers', async () => {
    const st = await ringkv([...r, 'status', '--json']);
    expect(st.code).toBe(0);
    const j = JSON.parse(st.stdout) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(['epoch', 'shards', 'migrations', 'replicationFactor', 'arcGroups', 'underReplicatedArcs', 'underReplicatedFraction', 'controlPlane', 'routers']);
    expect(j['epoch']).toBe(3);
    expect(j['controlPlane']).toBe('file');
    expect((j['shards'] as object[])[0]).toEqual({
      id: 'shard-1', address: '127.0.0.1:1', weight: 1, state: 'active', replicaState: 'in_sync', keys: expect.any(Number), bytes: 10,
    });
    expect(j['replicationFactor']).toBe(1);
    expect(j['arcGroups']).toEqual([{ replicas: ['shard-1'], primary: 'shard-1', inSync: ['shard-1'], arcs: 1, fraction: 1, underReplicated: false }]);
    const human = await ringkv([...r, 'status']);
    expect(human.stdout).toContain('shard-1');
    expect(human.stdout).toContain('replication: factor 1, 1 arc group');
    expect(human.stdout).toContain('under-replicated: none (every arc has 1 in-sync replica)');
    const shards = await ringkv([...r, 'shard', 'list', '--json']);
    expect(JSON.parse(shards.stdout)).toEqual({ epoch: 3, shards: [{ id: 'shard-1', address: '127.0.0.1:1', weight: 1, state: 'active' }] });
  });

  it('replication set sends the factor (a dry run prints the copies it would make)', async () => {
    router.adminRequests.length = 0;
    const dry = await ringkv([...r, 'replication', 'set', '3', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.split('\n')[0]).toBe('dry run: change the replication factor from 1 to 3 would move 1 arc (50.0% of the ring), ~7 keys, ~70 B; nothing changed');
    expect(dry.stdout).toContain('shard-1 -> shard-2+shard-3');
    // The fake cluster has one shard: fewer than the copies asked for.
    expect(dry.stderr).toBe('warning: the cluster has 1 shard: each key gets 1 copy until more shards join (then 3)\n');
    const json = await ringkv([...r, 'replication', 'set', '2', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const plan = JSON.parse(json.stdout) as { committed: boolean; arcs: Array<{ from: string; to: string; targets: string[] }> };
    expect(plan.committed).toBe(true);
    expect(plan.arcs[0]).toMatchObject({ from: 'shard-1', to: 'shard-1', targets: ['shard-2', 'shard-3'] });
    expect(router.adminRequests).toEqual([
      { method: 'SetReplicationFactor', request: { replicationFactor: 3, dryRun: true } },
      { method: 'SetReplicationFactor', request: { replicationFactor: 2, dryRun: false } },
    ]);
  });

  it('shard remove --force sends force', async () => {
    router.adminRequests.length = 0;
    const res = await ringkv([...r, 'shard', 'remove', 'shard-1', '--force', '--dry-run']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^dry run: force-remove shard shard-1 \(re-replicating its arcs from the other replicas\) would move 1 arc/);
    expect(router.adminRequests).toEqual([{ method: 'RemoveShard', request: { id: 'shard-1', dryRun: true, force: true } }]);
  });

  it('replication set refuses a factor outside 1..5 and dev a factor above its shards, before sending anything', async () => {
    router.adminRequests.length = 0;
    for (const n of ['0', '6', '2.5', 'two', '-1', '']) {
      const res = await ringkv([...r, 'replication', 'set', '--', n]);
      expect(res.code, n).toBe(2);
      expect(res.stderr, n).toBe(`error: INVALID_ARGUMENT: invalid replication factor "${n}": expected a whole number from 1 to 5\n`);
      expect(res.stdout).toBe('');
    }
    expect(router.adminRequests).toEqual([]);
    const dev = await ringkv(['dev', '--replication-factor', '9', '--data-dir', '/nonexistent/never-created']);
    expect(dev.code).toBe(2);
    expect(dev.stderr).toBe('error: INVALID_ARGUMENT: invalid --replication-factor "9": expected a whole number from 1 to 5\n');
  });

  it('usage errors exit 2 with a code, and write nothing', async () => {
    const before = router.executeBatches.length;
    for (const args of [
      ['get', 'a', '--bogus'],
      ['put', 'a'],
      ['put', '', 'v'],
      ['put', 'a', 'b', '--ttl', 'soon'],
      ['put', 'a', 'b', '--if-version', 'x'],
      ['put', 'a', 'b', '--if-absent', '--if-version', '1'],
      ['scan', '--limit', '0'],
      ['--router', 'not-an-address', 'get', 'a'],
      ['--timeout', '-1', 'get', 'a'],
    ]) {
      const res = await ringkv([...r, ...args]);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr, args.join(' ')).toMatch(/^error: INVALID_ARGUMENT: /);
      expect(res.stdout).toBe('');
    }
    expect(router.executeBatches.length).toBe(before);
  });

  it('an unreachable router is UNAVAILABLE, exit 1, nothing on stdout', async () => {
    const res = await ringkv(['--router', '127.0.0.1:1', 'put', 'a', 'b']);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^error: UNAVAILABLE: .*127\.0\.0\.1:1/);
  });

  it('--help exits 0', async () => {
    const res = await ringkv(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Usage: ringkv');
  });
});
