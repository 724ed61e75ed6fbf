import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { useProcessCluster } from '../helpers/cluster.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { compareRingOrder, uniquePrefix } from '../helpers/keys.js';
import { keysByOwner } from '../helpers/ownership.js';
import { sleep } from '../helpers/wait.js';

const ERROR_LINE = /^error: ([A-Z_]+): /m;

function expectOk(r: CliResult): void {
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
}

/** A failed command: non-zero exit, `error: CODE: ...` on stderr, nothing on stdout. */
function expectError(r: CliResult, code: string): void {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).not.toBe(0);
  expect(r.code).not.toBeNull();
  expect(r.stderr).toMatch(ERROR_LINE);
  expect(ERROR_LINE.exec(r.stderr)![1]).toBe(code);
  expect(r.stdout).toBe('');
}

/** The `ringkv` CLI against a router and 3 storage nodes, each a separate process. */
describe('ringkv CLI', () => {
  const env = useProcessCluster({ shards: 3 });
  let client: RingKvClient;
  let router: string;
  const cli = (...args: string[]) => runCli(['--router', router, ...args]);

  beforeAll(async () => {
    router = env.cluster.routerAddress;
    client = await RingKvClient.connect({ routers: [router] });
  });
  afterAll(async () => {
    await client?.close();
  });

  describe('data commands', () => {
    it('put prints the version, get prints the value, del deletes', async () => {
      const key = `${uniquePrefix('cli')}greeting`;
      const put = await cli('put', key, 'hello world');
      expectOk(put);
      expect(put.stdout).toMatch(/^\d+\n$/);
      const version = BigInt(put.stdout.trim());
      expect((await client.getEntry(key))!.version).toBe(version);

      const get = await cli('get', key);
      expectOk(get);
      expect(get.stdout).toBe('hello world\n');

      const del = await cli('del', key);
      expectOk(del);
      expect(del.stdout).toBe('deleted\n');
      expect(await client.get(key)).toBeUndefined();
      expect((await cli('del', key)).stdout).toBe('not found\n');
    });

    it('get of a missing key exits non-zero and prints nothing on stdout', async () => {
      const r = await cli('get', `${uniquePrefix('cli')}missing`);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
    });

    it('reads what the SDK wrote and the SDK reads what it wrote, UTF-8 included', async () => {
      const p = uniquePrefix('cli-utf8');
      await client.put(`${p}sdk`, 'från SDK ✓');
      expect((await cli('get', `${p}sdk`)).stdout).toBe('från SDK ✓\n');
      expectOk(await cli('put', `${p}cli`, 'frå CLI ✓'));
      expect((await client.get(`${p}cli`))!.toString()).toBe('frå CLI ✓');
    });

    it('put --ttl expires the key', async () => {
      const key = `${uniquePrefix('cli-ttl')}k`;
      expectOk(await cli('put', key, 'brief', '--ttl', '1s'));
      const entry = await client.getEntry(key);
      expect(entry!.expiresAtMs).toBeGreaterThan(Date.now());
      expect(entry!.expiresAtMs).toBeLessThanOrEqual(Date.now() + 1_000);
      await sleep(Math.max(0, entry!.expiresAtMs! - Date.now()) + 200);
      expect(await client.get(key)).toBeUndefined();
      expect((await cli('get', key)).code).toBe(1);
    });

    it('put --if-absent and --if-version report CONFLICT and change nothing', async () => {
      const key = `${uniquePrefix('cli-cas')}k`;
      const v1 = (await cli('put', key, 'one')).stdout.trim();
      expectError(await cli('put', key, 'two', '--if-absent'), 'CONFLICT');
      expectError(await cli('put', key, 'two', '--if-version', String(BigInt(v1) + 1n)), 'CONFLICT');
      expect((await client.get(key))!.toString()).toBe('one');
      expectOk(await cli('put', key, 'two', '--if-version', v1));
      expect((await client.get(key))!.toString()).toBe('two');
    });

    it('scan lists KEY<TAB>VALUE lines in ring order, with --prefix and --limit', async () => {
      const p = uniquePrefix('cli-scan');
      const keys = Array.from({ length: 25 }, (_, i) => `${p}${i}`);
      await client.batchPut(keys.map((key) => ({ key, value: `v-${key}` })));
      const r = await cli('scan', '--prefix', p);
      expectOk(r);
      const lines = r.stdout.trimEnd().split('\n');
      const expected = [...keys].sort((a, b) => compareRingOrder(Buffer.from(a), Buffer.from(b)));
      expect(lines).toEqual(expected.map((k) => `${k}\tv-${k}`));
      const limited = await cli('scan', '--prefix', p, '--limit', '5');
      expect(limited.stdout.trimEnd().split('\n')).toEqual(expected.slice(0, 5).map((k) => `${k}\tv-${k}`));
      const json = await cli('scan', '--prefix', p, '--limit', '2', '--json');
      expectOk(json);
      const objs = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { key: string; value: string; version: string });
      expect(objs.map((o) => o.key)).toEqual(expected.slice(0, 2));
      for (const o of objs) expect(BigInt(o.version)).toBe((await client.getEntry(o.key))!.version);
    });

    it('takes the router from RINGKV_ROUTER when --router is not given', async () => {
      const key = `${uniquePrefix('cli-env')}k`;
      expectOk(await runCli(['put', key, 'via env'], { env: { RINGKV_ROUTER: router } }));
      const r = await runCli(['get', key], { env: { RINGKV_ROUTER: router } });
      expect(r.stdout).toBe('via env\n');
    });
  });

  describe('admin commands', () => {
    it('status --json shows every shard with live key counts that match the ring', async () => {
      const p = uniquePrefix('cli-status');
      const keys = Array.from({ length: 300 }, (_, i) => `${p}${i}`);
      const before = JSON.parse((await cli('status', '--json')).stdout) as StatusJson;
      await client.batchPut(keys.map((key) => ({ key, value: 'x' })));
      const r = await cli('status', '--json');
      expectOk(r);
      expect(r.stdout.endsWith('\n')).toBe(true);
      const status = JSON.parse(r.stdout) as StatusJson;
      expect(Object.keys(status).sort()).toEqual([
        'arcGroups', 'controlPlane', 'coordinator', 'epoch', 'migrations', 'replicationFactor', 'routers', 'shards', 'underReplicatedArcs', 'underReplicatedFraction',
      ]);
      // A lone router: the map in its data dir, and it coordinates.
      const cp = status as unknown as { controlPlane: string; coordinator: { id: string }; routers: Array<{ id: string; coordinator: boolean }> };
      expect(cp.controlPlane).toBe('file');
      expect(cp.coordinator.id).toBe('router');
      expect(cp.routers.map((r) => [r.id, r.coordinator])).toEqual([['router', true]]);
      expect(status.epoch).toBeGreaterThanOrEqual(1);
      expect(status.migrations).toEqual([]);
      expect(status.shards.map((s) => s.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3']);
      const owners = await keysByOwner(client, keys);
      for (const s of status.shards) {
        expect(Object.keys(s).sort()).toEqual(['address', 'bytes', 'id', 'keys', 'lease', 'replicaState', 'state', 'weight']);
        expect(s.replicaState).toBe('in_sync');
        // Replication factor 1: no shard needs a primary lease.
        expect((s as { lease?: unknown }).lease).toMatchObject({ primary: false });
        expect(s.address).toBe(env.cluster.address(s.id));
        expect(s.weight).toBe(1);
        expect(s.state).toBe('active');
        expect(typeof s.keys).toBe('number');
        const was = before.shards.find((b) => b.id === s.id)!.keys;
        expect(s.keys - was, s.id).toBe(owners.get(s.id)!.length);
        expect(s.keys).toBeGreaterThan(0);
      }
      // The plain form is a table naming every shard.
      const text = await cli('status');
      expectOk(text);
      for (const id of env.cluster.shardIds) expect(text.stdout).toContain(id);
    });

    it('shard list --json lists the members', async () => {
      const r = await cli('shard', 'list', '--json');
      expectOk(r);
      const list = JSON.parse(r.stdout) as { epoch: number; shards: Array<{ id: string; address: string; weight: number; state: string }> };
      expect(list.epoch).toBeGreaterThanOrEqual(1);
      expect(list.shards.map((s) => `${s.id}=${s.address}`).sort()).toEqual(
        env.cluster.shardIds.map((id) => `${id}=${env.cluster.address(id)}`).sort(),
      );
      for (const s of list.shards) expect(s).toMatchObject({ weight: 1, state: 'active' });
    });
  });

  describe('lock and queue commands', () => {
    it('lock status shows the holder, the token and the lease left', async () => {
      const r0 = await cli('lock', 'status', 'cli-lock');
      expect(r0.code).toBe(1);
      expect(r0.stderr).toContain('never taken');
      const lock = await client.lock('cli-lock', { ttlMs: 60_000, owner: 'report-job' });
      const r = await cli('lock', 'status', 'cli-lock', '--json');
      expectOk(r);
      const info = JSON.parse(r.stdout) as { held: boolean; owner: string; token: string; remainingMs: number };
      expect(info).toMatchObject({ held: true, owner: 'report-job', token: lock.token.toString() });
      expect(info.remainingMs).toBeGreaterThan(50_000);
      const text = await cli('lock', 'status', 'cli-lock');
      expectOk(text);
      expect(text.stdout).toContain('held by report-job');
      expect(text.stdout).toContain(`token:     ${lock.token}`);
      await lock.release();
      expect((await cli('lock', 'status', 'cli-lock')).stdout).toContain('free (last holder report-job)');
    });

    it('queue push, pop, ack, nack and stats', async () => {
      const id = (await cli('queue', 'push', 'cli-q', 'first')).stdout.trim();
      expectOk(await cli('queue', 'push', 'cli-q', 'second'));
      const stats = JSON.parse((await cli('queue', 'stats', 'cli-q', '--json')).stdout) as { ready: number; inFlight: number };
      expect(stats).toMatchObject({ ready: 2, inFlight: 0 });
      const popped = await cli('queue', 'pop', 'cli-q', '--json');
      expectOk(popped);
      const m = JSON.parse(popped.stdout) as { id: string; body: string; receipt: string; deliveries: number };
      expect(m).toMatchObject({ id, body: 'first', deliveries: 1 });
      expectOk(await cli('queue', 'nack', 'cli-q', m.receipt));
      expectError(await cli('queue', 'ack', 'cli-q', m.receipt), 'STALE_RECEIPT');
      const again = JSON.parse((await cli('queue', 'pop', 'cli-q', '--json', '--ack')).stdout) as { id: string; deliveries: number };
      expect(again).toMatchObject({ id, deliveries: 2 });
      expect((await cli('queue', 'pop', 'cli-q', '--ack')).stdout).toContain('second');
      const empty = await cli('queue', 'pop', 'cli-q', '--wait', '200ms');
      expect(empty.code).toBe(1);
      expectError(await cli('queue', 'ack', 'cli-q', 'not-a-receipt'), 'INVALID_ARGUMENT');
    });
  });

  describe('bad input: non-zero exit, `error: CODE`, nothing written', () => {
    let total: () => Promise<number>;
    beforeAll(() => {
      total = async () => (await client.admin.status()).shards.reduce((n, s) => n + Number(s.keys), 0);
    });

    // Each case's CLI runs are independent, so they run side by side (a CLI start costs ~0.5 s).
    it('an empty key', async () => {
      const before = await total();
      const results = await Promise.all([cli('put', '', 'value'), cli('get', ''), cli('del', '')]);
      for (const r of results) expectError(r, 'INVALID_ARGUMENT');
      expect(await total()).toBe(before);
    });

    it('a key over 4 KiB', async () => {
      const before = await total();
      const key = 'k'.repeat(4097);
      expectError(await cli('put', key, 'value'), 'KEY_TOO_LARGE');
      expect(await total()).toBe(before);
    });

    it('an unknown flag, a missing argument, an unknown command', async () => {
      const key = `${uniquePrefix('cli-bad')}k`;
      const results = await Promise.all([
        cli('put', key, 'value', '--bogus'),
        cli('put', key),
        cli('frobnicate'),
        cli('put', key, 'value', '--ttl', 'soon'),
        cli('put', key, 'value', '--if-version', 'latest'),
        cli('scan', '--limit', '0'),
      ]);
      for (const r of results) expectError(r, 'INVALID_ARGUMENT');
      expect(await client.get(key)).toBeUndefined();
    });

    it('a malformed --router or RINGKV_ROUTER', async () => {
      const key = `${uniquePrefix('cli-addr')}k`;
      const addrs = ['nonsense', '127.0.0.1', '127.0.0.1:99999', 'http://127.0.0.1:7400', ':7400'];
      const results = await Promise.all([
        ...addrs.map((addr) => runCli(['--router', addr, 'put', key, 'value'])),
        runCli(['put', key, 'value'], { env: { RINGKV_ROUTER: 'not-an-address' } }),
      ]);
      results.forEach((r) => expectError(r, 'INVALID_ARGUMENT'));
      expect(await client.get(key)).toBeUndefined();
    });

    it('an unreachable router (127.0.0.1:1) fails with UNAVAILABLE, promptly', async () => {
      const [put, status] = await Promise.all([
        runCli(['--router', '127.0.0.1:1', 'put', 'k', 'v']),
        runCli(['--router', '127.0.0.1:1', 'status', '--json']),
      ]);
      expectError(put, 'UNAVAILABLE');
      expectError(status, 'UNAVAILABLE');
      expect(put.ms).toBeLessThan(10_000);
    });
  });
});

interface StatusJson {
  epoch: number;
  shards: Array<{ id: string; address: string; weight: number; state: string; replicaState: string; keys: number; bytes: number }>;
  migrations: unknown[];
}
