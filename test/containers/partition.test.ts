import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials } from '@grpc/grpc-js';
import { RingKvClient } from '@ringkv/client';
import {
  AdminService, NodeService, Ownership, hash32,
  type AdminClient, type NodeClient, type NodeExecuteResponse__Output, type StatusResponse__Output,
} from '@ringkv/core';
import { uniquePrefix } from '../helpers/keys.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { ContainerCluster, NODE_PORT } from './cluster.js';

const FAILURE_TIMEOUT_MS = 2_000;
/** Heartbeat rounds and the commit of the failover. */
const FAILOVER_MARGIN_MS = 2_500;
/** The failover, then writes sent before it reached the router failing at the client's deadline. */
const RECOVERY_MARGIN_MS = 6_000;
const KEYS = 240;
const WRITERS = 8;
/** Bounds of the write load, whatever happens. */
const MAX_WRITES = 60_000;
const MAX_WRITE_MS = 45_000;
const CLIENT_TIMEOUT_MS = 2_000;

/** Every put of one key comes from one writer, with a sequence number in its value. */
interface KeyLog {
  /** Sequence number of the last acknowledged put (0: the initial batch put). */
  acked: number;
  /** Highest sequence number sent (acknowledged or not). */
  sent: number;
  /** performance.now() of the start of the first put sent after the cut and acknowledged. */
  firstAckAfterCut?: number;
}

const valueOf = (key: string, seq: number) => `${key}#${seq}`;
function seqOf(key: string, value: string): number {
  const m = /#(\d+)$/.exec(value);
  if (!m || value !== valueOf(key, Number(m[1]))) throw new Error(`key ${key} holds a value no writer of it wrote: "${value}"`);
  return Number(m[1]);
}

/** A unary gRPC call as a promise: `start` makes the call with this deadline and callback. */
function unary<Res>(ms: number, start: (opts: { deadline: number }, cb: (err: Error | null, res?: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    start({ deadline: Date.now() + ms }, (err, res) => (err ? reject(err) : resolve(res!)));
  });
}

/**
 * Runs inside the isolated shard's own container (its loopback still reaches it): puts keys
 * straight to its node service at the epoch it knows, as a router would, and prints the
 * results. A shard cut off from its replicas must acknowledge none of them.
 */
const DIRECT_PUT_SCRIPT = `
(async () => {
  const grpc = require('/opt/ringkv/node_modules/@grpc/grpc-js');
  const { NodeService } = await import('/opt/ringkv/node_modules/@ringkv/core/dist/mod.js');
  const c = new NodeService('127.0.0.1:${NODE_PORT}', grpc.credentials.createInsecure());
  const call = (m, req) => new Promise((res, rej) => c[m](req, { deadline: Date.now() + 20000 }, (e, r) => (e ? rej(e) : res(r))));
  const puts = JSON.parse(process.argv[1]);
  const map = (await call('GetClusterMap', {})).map;
  const started = Date.now();
  const r = await call('Execute', { epoch: map.epoch, ops: puts.map(([k, v]) => ({ put: { key: Buffer.from(k), value: Buffer.from(v) } })) });
  console.log(JSON.stringify({ epoch: map.epoch, ms: Date.now() - started,
    results: r.results.map((x) => ({ errorCode: x.errorCode, errorMessage: x.errorMessage, version: x.version })) }));
  c.close();
})().catch((e) => { console.log(JSON.stringify({ error: e.message })); process.exitCode = 1; });
`;

/**
 * A network partition of a primary: 3 shards with replication factor 3 and a coordinating
 * router (failure timeout 2 s), writers putting distinct values continuously. One shard that
 * leads some arcs is cut off its network (`docker network disconnect`): within the failure
 * timeout (plus a margin) every key is writable again, its keys failed over to the next
 * in-sync replica; the cut-off shard acknowledges nothing. Healed, it catches up and is in
 * sync again; then every acknowledged write is there and the replicas of every key agree.
 */
describe('a primary cut off by a network partition (RF 3, coordinator)', () => {
  let cluster: ContainerCluster;
  let client: RingKvClient;
  let admin: AdminClient;
  const prefix = uniquePrefix('part');
  const keys = Array.from({ length: KEYS }, (_, i) => `${prefix}${i}`);
  const log = new Map<string, KeyLog>(keys.map((k) => [k, { acked: 0, sent: 0 }]));
  let victim = '';
  let victimKeys: string[] = [];
  let victimAddress = '';
  let cutAt = 0;
  let stopWriting = false;
  let writing: Promise<void> | undefined;
  const stats = { acked: 0, failed: 0, failedByCode: new Map<string, number>(), lastFailureAt: 0 };
  /** What the isolated shard was asked to take directly (never acknowledged, never to be seen). */
  const isolatedValues = new Map<string, string>();

  const status = () => unary<StatusResponse__Output>(10_000, (opts, cb) => admin.Status({ withoutCounts: true }, opts, cb));

  /** Writer `w` puts its keys (every WRITERS-th) in turn, one at a time, until told to stop. */
  async function writer(w: number, deadline: number, budget: { left: number }): Promise<void> {
    const mine = keys.filter((_, i) => i % WRITERS === w);
    for (let i = 0; !stopWriting && Date.now() < deadline && budget.left-- > 0; i++) {
      const key = mine[i % mine.length]!;
      const entry = log.get(key)!;
      const seq = ++entry.sent;
      const started = performance.now();
      try {
        await client.put(key, valueOf(key, seq), { timeoutMs: CLIENT_TIMEOUT_MS });
        entry.acked = seq;
        stats.acked++;
        if (cutAt > 0 && started > cutAt && entry.firstAckAfterCut === undefined) entry.firstAckAfterCut = started;
      } catch (err) {
        stats.failed++;
        stats.lastFailureAt = performance.now();
        const code = (err as { code?: string }).code ?? 'unknown';
        stats.failedByCode.set(code, (stats.failedByCode.get(code) ?? 0) + 1);
        // Do not spin on a failing cluster.
        await sleep(20);
      }
    }
  }

  beforeAll(async () => {
    cluster = await ContainerCluster.start({
      shards: 3,
      routerArgs: ['--replication-factor', '3', '--failure-timeout-ms', String(FAILURE_TIMEOUT_MS)],
    });
    client = await RingKvClient.connect({ routers: [cluster.routerAddress], timeoutMs: CLIENT_TIMEOUT_MS });
    admin = new AdminService(cluster.routerAddress, credentials.createInsecure());
    await waitUntil('every shard in sync', async () => {
      const s = await status();
      return s.shards.length === 3 && s.shards.every((x) => x.replicaState === 'in_sync') ? s : undefined;
    }, 30_000);
    await client.batchPut(keys.map((key) => ({ key, value: valueOf(key, 0) })));
  });
  afterAll(async () => {
    stopWriting = true;
    await writing?.catch(() => {});
    admin?.close();
    await client?.close();
    await cluster?.stop();
  });

  it('the cluster starts replicated: RF 3, every arc group has 3 in-sync replicas', async () => {
    const s = await status();
    expect(s.replicationFactor).toBe(3);
    expect(s.arcGroups.length).toBeGreaterThan(0);
    for (const g of s.arcGroups) {
      expect(g.inSync.length, g.replicas.join(',')).toBe(3);
      expect(g.underReplicated).toBe(false);
    }
  });

  it(`writes to every key succeed again within the failure timeout + ${RECOVERY_MARGIN_MS} ms of cutting off a primary`, async () => {
    const budget = { left: MAX_WRITES };
    const deadline = Date.now() + MAX_WRITE_MS;
    writing = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w, deadline, budget))).then(() => {});
    await sleep(2_000);
    expect(stats.acked).toBeGreaterThan(100);
    expect(stats.failed).toBe(0);

    // A shard that is the primary of some arcs, and the keys it leads.
    const s = await status();
    const led = new Map<string, number>();
    for (const g of s.arcGroups) if (g.primary) led.set(g.primary, (led.get(g.primary) ?? 0) + g.arcs);
    victim = [...led.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const own = new Ownership(await client.admin.clusterMap());
    victimKeys = keys.filter((k) => own.ownerOf(hash32(Buffer.from(k))) === victim);
    expect(victimKeys.length).toBeGreaterThan(20);

    victimAddress = await cluster.shardAddress(victim);
    cutAt = performance.now();
    await cluster.disconnect(victim);
    // The coordinator's own view: when its map has the victim out of sync (its arcs failed over).
    const failedOver = waitUntil('the victim out of sync in the coordinator\'s map', async () => {
      // The router's map as it is (Status would also ask every shard, the silent one included).
      const map = await client.admin.clusterMap({ timeoutMs: 1_000 });
      return map.replicaStates.some((r) => r.id === victim && r.state === 'out_of_sync') ? performance.now() : undefined;
    }, FAILURE_TIMEOUT_MS + 20_000, 100);

    // Every key, the victim's included, takes a write again (sent after the cut).
    const recovered = await waitUntil('an acknowledged write to every key sent after the cut', async () =>
      (keys.every((k) => log.get(k)!.firstAckAfterCut !== undefined) ? performance.now() : undefined),
    FAILURE_TIMEOUT_MS + RECOVERY_MARGIN_MS + 10_000, 50);
    const afterCut = keys.map((k) => log.get(k)!.firstAckAfterCut! - cutAt);
    const worst = Math.max(...afterCut);
    console.log(`partition: victim ${victim} (led ${victimKeys.length}/${KEYS} keys); every key writable again ${Math.round(recovered - cutAt)} ms after the cut `
      + `(latest first successful put started ${Math.round(worst)} ms after); failures so far ${stats.failed} ${JSON.stringify(Object.fromEntries(stats.failedByCode))}`);
    const failoverMs = (await failedOver) - cutAt;
    console.log(`partition: the coordinator's map had ${victim} out of sync ${Math.round(failoverMs)} ms after the cut`);
    // Silent for the failure timeout, then noticed by the next heartbeat round (500 ms apart,
    // each waiting up to 1 s for the silent shard) and committed.
    expect(failoverMs).toBeLessThan(FAILURE_TIMEOUT_MS + FAILOVER_MARGIN_MS);
    expect(recovered - cutAt).toBeLessThan(FAILURE_TIMEOUT_MS + RECOVERY_MARGIN_MS);

    const after = await status();
    expect(after.shards.find((x) => x.id === victim)!.replicaState).toBe('out_of_sync');
    for (const g of after.arcGroups) {
      expect(g.primary, `arc group ${g.replicas.join(',')}`).not.toBe(victim);
      expect(g.inSync).not.toContain(victim);
    }
    // The writes keep succeeding for a while: no failure starts after recovery.
    const failedBefore = stats.failed;
    await sleep(2_000);
    expect(stats.failed - failedBefore).toBe(0);
  });

  it('the cut-off shard acknowledges no write sent to it directly', async () => {
    const puts = victimKeys.slice(0, 5).map((k): [string, string] => [k, `isolated:${k}`]);
    for (const [k, v] of puts) isolatedValues.set(k, v);
    const run = await cluster.shards.get(victim)!.exec(['node', '-e', DIRECT_PUT_SCRIPT, JSON.stringify(puts)]);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      error?: string; ms: number; results: Array<{ errorCode: string; errorMessage: string }>;
    };
    console.log(`partition: direct puts to the isolated ${victim}: ${JSON.stringify(out)}`);
    expect(out.error, run.output).toBeUndefined();
    expect(out.results).toHaveLength(puts.length);
    for (const r of out.results) expect(r.errorCode, r.errorMessage).not.toBe('');
  });

  it('healed, the shard catches up and every shard is in sync again', async () => {
    stopWriting = true;
    await writing;
    console.log(`partition: ${stats.acked} puts acknowledged, ${stats.failed} failed ${JSON.stringify(Object.fromEntries(stats.failedByCode))}`);
    const healedAt = performance.now();
    await cluster.connect(victim);
    const s = await waitUntil('every shard in sync after the heal', async () => {
      const st = await status();
      return st.shards.every((x) => x.replicaState === 'in_sync') && st.arcGroups.every((g) => g.inSync.length === 3) ? st : undefined;
    }, 60_000, 250);
    console.log(`partition: ${victim} in sync again ${Math.round(performance.now() - healedAt)} ms after the heal (epoch ${s.epoch}); `
      + `its address on the network was ${victimAddress}, is ${await cluster.shardAddress(victim)}`);
    expect(s.underReplicatedArcs).toBe(0);
  });

  it('every acknowledged write is readable, and no isolated write leaked', async () => {
    const values = await client.batchGet(keys, { timeoutMs: 15_000 });
    const lost: string[] = [];
    keys.forEach((key, i) => {
      const v = values[i]?.toString();
      expect(v, key).toBeDefined();
      expect(v).not.toBe(isolatedValues.get(key));
      const seq = seqOf(key, v!);
      const { acked, sent } = log.get(key)!;
      if (seq < acked || seq > sent) lost.push(`${key}: holds #${seq}, acknowledged #${acked}, sent up to #${sent}`);
    });
    expect(lost).toEqual([]);
  });

  it('the replicas of every key agree (value and version, read from each shard directly)', async () => {
    const s = await status();
    const perShard = new Map<string, Array<{ value: string | undefined; version: string }>>();
    for (const id of cluster.shards.keys()) {
      const node: NodeClient = new NodeService(await cluster.shardAddress(id), credentials.createInsecure());
      try {
        const res = await unary<NodeExecuteResponse__Output>(15_000, (opts, cb) => node.Execute({
          epoch: s.epoch,
          ops: keys.map((k) => ({ get: { key: Buffer.from(k), readFrom: 'replica' } })),
        }, opts, cb));
        perShard.set(id, res.results.map((r) => {
          expect(r.errorCode, `${id}: ${r.errorMessage}`).toBe('');
          return { value: r.found ? r.value.toString() : undefined, version: r.version };
        }));
      } finally {
        node.close();
      }
    }
    const diverging: string[] = [];
    keys.forEach((key, i) => {
      const seen = [...perShard].map(([id, rs]) => `${id}=${rs[i]!.value}@${rs[i]!.version}`);
      const first = perShard.values().next().value![i]!;
      if ([...perShard.values()].some((rs) => rs[i]!.value !== first.value || rs[i]!.version !== first.version)) {
        diverging.push(`${key}: ${seen.join(' ')}`);
      }
    });
    expect(diverging).toEqual([]);
  });
});
