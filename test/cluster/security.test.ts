import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient, RingKvError, type ClientOptions } from '@ringkv/client';
import { initDevCerts } from '@ringkv/cli/internal';
import { NodeService, fromGrpcError, type NodeClient } from '@ringkv/core';
import { useProcessCluster } from '../helpers/cluster.js';
import { runCli } from '../helpers/cli.js';
import { checkHealth } from '../helpers/health.js';
import { trackDir, untrackDir } from '../helpers/reaper.js';
import { ExtraNode } from '../helpers/extra-node.js';
import { waitUntil } from '../helpers/wait.js';

// One cluster (3 shards + router) with TLS everywhere and access tokens on the router.
const dir = mkdtempSync(join(tmpdir(), 'ringkv-sec-'));
trackDir(dir);
const certs = join(dir, 'certs');
const otherCa = join(dir, 'other');
initDevCerts({ dir: certs });
initDevCerts({ dir: otherCa });
const file = (d: string, f: string) => join(d, f);
const TOKENS = {
  rw: `rw-${randomBytes(16).toString('hex')}`,
  ro: `ro-${randomBytes(16).toString('hex')}`,
  admin: `admin-${randomBytes(16).toString('hex')}`,
  wrong: `wrong-${randomBytes(16).toString('hex')}`,
  rotated: `rotated-${randomBytes(16).toString('hex')}`,
};
writeFileSync(file(dir, 'tokens.json'), JSON.stringify({
  tokens: [{ token: TOKENS.rw, role: 'read-write' }, { token: TOKENS.ro, role: 'read-only' }, { token: TOKENS.admin, role: 'admin' }],
}));
const tlsArgs = ['--tls-cert', file(certs, 'cert.pem'), '--tls-key', file(certs, 'key.pem'), '--tls-ca', file(certs, 'ca.pem')];
const pem = (d: string, f: string) => readFileSync(file(d, f));
/** What a router presents to shards: our CA's certificate. */
const goodPeer = () => credentials.createSsl(pem(certs, 'ca.pem'), pem(certs, 'key.pem'), pem(certs, 'cert.pem'));

async function expectCode(p: Promise<unknown>, code: string): Promise<RingKvError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err, `expected ${code}`).toBeInstanceOf(RingKvError);
  expect((err as RingKvError).code, (err as Error).message).toBe(code);
  return err as RingKvError;
}

/** Node.GetClusterMap with the given credentials: the node id, or the error's ringkv code. */
function getClusterMap(address: string, creds: ChannelCredentials): Promise<string> {
  const client: NodeClient = new NodeService(address, creds);
  return new Promise<string>((resolve) => {
    client.GetClusterMap({}, { deadline: Date.now() + 3_000 }, (err, res) => {
      client.close();
      resolve(err ? `error ${fromGrpcError(err).code}` : res!.nodeId);
    });
  });
}

describe('security: TLS, mutual TLS and access tokens', () => {
  const env = useProcessCluster({
    shards: 3,
    nodeArgs: tlsArgs,
    routerArgs: [...tlsArgs, '--tokens', file(dir, 'tokens.json')],
    healthCredentials: goodPeer(),
  });
  const open: RingKvClient[] = [];
  const connect = async (options: Partial<ClientOptions>) => {
    const c = await RingKvClient.connect({ routers: [env.cluster.routerAddress], connectTimeoutMs: 3_000, tls: { ca: file(certs, 'ca.pem') }, ...options });
    open.push(c);
    return c;
  };
  let rw: RingKvClient;

  beforeAll(async () => {
    rw = await connect({ token: TOKENS.rw });
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    rmSync(dir, { recursive: true, force: true });
    untrackDir(dir);
  });

  it('a read-write token over TLS reads and writes keys, locks and queues', async () => {
    const v = await rw.put('sec:a', 'one');
    expect((await rw.getEntry('sec:a'))!.version).toBe(v);
    const lock = await rw.lock('sec-lock', { ttlMs: 5_000 });
    expect((await rw.lockStatus('sec-lock'))?.held).toBe(true);
    await lock.release();
    const q = rw.queue('sec-queue');
    await q.push('job');
    const msg = await q.pop();
    expect(msg!.body.toString()).toBe('job');
    await q.ack(msg!.receipt);
  });

  it('no token and a wrong token are UNAUTHENTICATED, on the stream and on unary calls', async () => {
    const none = await connect({});
    await expectCode(none.get('sec:a'), 'UNAUTHENTICATED');
    await expectCode(none.admin.status(), 'UNAUTHENTICATED');
    const wrong = await connect({ token: TOKENS.wrong, transport: 'unary' });
    await expectCode(wrong.get('sec:a'), 'UNAUTHENTICATED');
    await expectCode(wrong.scanPage({ limit: 1 }), 'UNAUTHENTICATED');
  });

  it('a read-only token reads but may not write: per operation, even in one batch', async () => {
    const ro = await connect({ token: TOKENS.ro });
    expect((await ro.get('sec:a'))?.toString()).toBe('one');
    const [put, get] = await Promise.allSettled([ro.put('sec:a', 'two'), ro.get('sec:a')]);
    expect(put.status === 'rejected' && (put.reason as RingKvError).code).toBe('PERMISSION_DENIED');
    expect(get.status === 'fulfilled' && get.value?.toString()).toBe('one');
    await expectCode(ro.delete('sec:a'), 'PERMISSION_DENIED');
    await expectCode(ro.lock('sec-lock', { ttlMs: 1_000 }), 'PERMISSION_DENIED');
    await expectCode(ro.queue('sec-queue').push('x'), 'PERMISSION_DENIED');
    expect((await ro.lockStatus('sec-lock'))?.held).toBe(false);
    expect((await ro.queue('sec-queue').stats()).ready).toBe(0);
    expect((await ro.admin.status()).shards).toHaveLength(3);
    expect(await rw.get('sec:a').then((b) => b?.toString())).toBe('one');
  });

  it('membership changes need the admin token', async () => {
    await using shard4 = await ExtraNode.start('shard-4', { root: env.cluster.root, args: tlsArgs, healthCredentials: goodPeer() });
    await expectCode(rw.admin.addShard('shard-4', shard4.address, { dryRun: true }), 'PERMISSION_DENIED');
    await expectCode(rw.admin.removeShard('shard-3', { dryRun: true }), 'PERMISSION_DENIED');
    const ro = await connect({ token: TOKENS.ro });
    await expectCode(ro.admin.rebalance({ dryRun: true }), 'PERMISSION_DENIED');
    const admin = await connect({ token: TOKENS.admin });
    // The dry run probes the new node over mutual TLS (its id, its cluster): it must get through.
    const plan = await admin.admin.addShard('shard-4', shard4.address, { dryRun: true });
    expect(plan.committed).toBe(false);
    expect(plan.arcs.length).toBeGreaterThan(0);
    expect((await admin.get('sec:a'))?.toString()).toBe('one');
  });

  it('a plaintext client, or one trusting another CA, cannot reach the TLS router', async () => {
    await expectCode(connect({ token: TOKENS.rw, tls: undefined }), 'UNAVAILABLE');
    await expectCode(connect({ token: TOKENS.rw, tls: { ca: file(otherCa, 'ca.pem') } }), 'UNAVAILABLE');
  });

  it('a storage node refuses peers without a certificate signed by its CA', async () => {
    const shard1 = env.cluster.address('shard-1');
    expect(await getClusterMap(shard1, goodPeer())).toBe('shard-1');
    expect(await getClusterMap(shard1, credentials.createInsecure())).toBe('error UNAVAILABLE');
    expect(await getClusterMap(shard1, credentials.createSsl(pem(certs, 'ca.pem')))).toBe('error UNAVAILABLE');
    const foreign = credentials.createSsl(pem(certs, 'ca.pem'), pem(otherCa, 'key.pem'), pem(otherCa, 'cert.pem'));
    expect(await getClusterMap(shard1, foreign)).toBe('error UNAVAILABLE');
  });

  it('health checks need no token (and the router needs no client certificate)', async () => {
    expect(await checkHealth(env.cluster.routerAddress, '', 3_000, credentials.createSsl(pem(certs, 'ca.pem')))).toBe('SERVING');
  });

  it('the CLI takes --token / RINGKV_TOKEN and --tls-ca, and health takes the client certificate', async () => {
    const router = env.cluster.routerAddress;
    const ca = file(certs, 'ca.pem');
    const put = await runCli(['--router', router, '--tls-ca', ca, '--token', TOKENS.rw, 'put', 'sec:cli', 'hello']);
    expect(put.code, put.stderr).toBe(0);
    const get = await runCli(['--router', router, 'get', 'sec:cli'], { env: { RINGKV_TLS_CA: ca, RINGKV_TOKEN: TOKENS.ro } });
    expect(get.stdout).toBe('hello\n');
    const denied = await runCli(['--router', router, '--tls-ca', ca, 'put', 'sec:cli', 'x'], { env: { RINGKV_TOKEN: TOKENS.ro } });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^error: PERMISSION_DENIED: /);
    const anonymous = await runCli(['--router', router, '--tls-ca', ca, 'status']);
    expect(anonymous.stderr).toMatch(/^error: UNAUTHENTICATED: /);
    const health = await runCli(['--tls-ca', ca, '--tls-cert', file(certs, 'cert.pem'), '--tls-key', file(certs, 'key.pem'),
      'health', '--target', env.cluster.address('shard-2')]);
    expect(health.stdout, health.stderr).toBe('SERVING\n');
  });

  it('shards migrate to each other over mutual TLS (remove a shard, every key stays)', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `sec:m:${i}`);
    await Promise.all(keys.map((k) => rw.put(k, k)));
    const admin = await connect({ token: TOKENS.admin });
    await admin.admin.removeShard('shard-3');
    await waitUntil('shard-3 drained', async () => {
      const s = await admin.admin.status({ counts: false });
      return s.migrations.length === 0 && !s.shards.some((x) => x.id === 'shard-3') ? true : undefined;
    }, 30_000, 200);
    const values = await rw.batchGet(keys);
    expect(values.map((v) => v?.toString())).toEqual(keys);
  });

  it('SIGHUP reloads the tokens file (new calls only); a file that does not parse leaves the tokens in force', async () => {
    const tokensFile = file(dir, 'tokens.json');
    const original = readFileSync(tokensFile, 'utf8');
    const pid = env.cluster.pid('router')!;
    try {
      writeFileSync(tokensFile, JSON.stringify({ tokens: [{ token: TOKENS.rotated, role: 'read-write' }, { token: TOKENS.admin, role: 'admin' }] }));
      process.kill(pid, 'SIGHUP');
      const fresh = await waitUntil('the rotated token accepted', async () => {
        const c = await connect({ token: TOKENS.rotated });
        await c.put('sec:rotated', 'yes');
        return c;
      }, 10_000);
      expect((await fresh.get('sec:rotated'))?.toString()).toBe('yes');
      await expectCode((await connect({ token: TOKENS.rw })).get('sec:rotated'), 'UNAUTHENTICATED');
      writeFileSync(tokensFile, '{ not json');
      process.kill(pid, 'SIGHUP');
      await new Promise((r) => setTimeout(r, 300));
      expect(env.cluster.isRunning('router')).toBe(true);
      expect((await (await connect({ token: TOKENS.rotated })).get('sec:rotated'))?.toString()).toBe('yes');
    } finally {
      writeFileSync(tokensFile, original);
      process.kill(pid, 'SIGHUP');
      await waitUntil('the original tokens back', async () => ((await (await connect({ token: TOKENS.rw })).get('sec:rotated')) ? true : undefined), 10_000);
    }
  });

  it('no token ever reaches a log; refusals are logged without it', () => {
    const logs = env.cluster.names.map((n) => env.cluster.log(n)).join('\n');
    expect(env.cluster.log('router')).toContain('call refused');
    for (const [name, token] of Object.entries(TOKENS)) expect(logs.includes(token), `${name} token in a log`).toBe(false);
  });
});
