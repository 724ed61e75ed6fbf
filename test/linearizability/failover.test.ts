import { afterAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { Ownership, hash32 } from '@ringkv/core';
import { useProcessCluster } from '../helpers/cluster.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { replicationRouterArgs } from '../replication/writers.js';
import { checkHistory } from './checker.js';
import { RegisterRun } from './register-client.js';

/**
 * Per-key linearizability across a failover: with replication factor 3, clients run
 * get / put / CAS / delete on keys half of which the victim leads; the victim is SIGKILLed
 * (its arcs fail over to in-sync replicas), later restarted (it catches up and leads again).
 * The history is checked with the Wing–Gong style checker.
 */
const CLIENTS = 5;
const MAX_OPS = 40_000;
const MAX_RUN_MS = 40_000;

describe('linearizability across a failover (replicationFactor 3)', () => {
  const env = useProcessCluster({ shards: 3, routerArgs: replicationRouterArgs });
  const clients: RingKvClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  it('a get/put/cas/delete history on keys led by a shard that is killed and comes back is linearizable', async () => {
    const cluster = env.cluster;
    const victim = 'shard-1';
    const admin = await RingKvClient.connect({ routers: [cluster.routerAddress] });
    clients.push(admin);
    const own = new Ownership(await admin.admin.clusterMap());
    const keys: string[] = [];
    for (let i = 0, led = 0, other = 0; led + other < 8; i++) {
      const key = `linfo/${i}`;
      const mine = own.ownerOf(hash32(Buffer.from(key))) === victim;
      if (mine && led < 4) led++;
      else if (!mine && other < 4) other++;
      else continue;
      keys.push(key);
    }
    for (let c = 0; c < CLIENTS; c++) clients.push(await RingKvClient.connect({ routers: [cluster.routerAddress], timeoutMs: 4_000 }));
    const run = new RegisterRun({ clients: clients.slice(1), keys, seed: 0x2545f491, backoffMs: 100, maxOps: MAX_OPS, maxRunMs: MAX_RUN_MS });
    const { history } = run;
    let killedAt = 0;
    let restartedAt = 0;
    try {
      await sleep(2_000);
      killedAt = performance.now();
      await cluster.kill(victim, 'SIGKILL');
      await waitUntil('failover', async () => ((await admin.admin.clusterMap()).replicaStates.some((r) => r.id === victim) ? true : undefined), 15_000, 100);
      await sleep(4_000);
      restartedAt = performance.now();
      await cluster.restart(victim);
      await waitUntil(`${victim} back in sync`, async () => ((await admin.admin.clusterMap()).replicaStates.length === 0 ? true : undefined), 30_000, 200);
      await sleep(3_000);
    } finally {
      await run.stop();
    }
    expect(history.pending).toBe(0);
    const ops = history.operations();
    const result = checkHistory(ops);
    const perKind = new Map<string, number>();
    for (const o of ops) {
      const k = `${o.op.kind}:${o.outcome === 'ok' ? o.result!.kind : o.outcome}`;
      perKind.set(k, (perKind.get(k) ?? 0) + 1);
    }
    const okAfter = (t: number) => ops.filter((o) => o.start > t && o.outcome === 'ok').length;
    console.log([
      `linearizability with failover: ${ops.length} ops by ${CLIENTS} clients on ${keys.length} keys (4 led by ${victim})`,
      `  outcomes: ${[...perKind].sort().map(([k, n]) => `${k}=${n}`).join(', ')}`,
      `  errors: ${run.errorSummary()}`,
      `  ok ops after the kill: ${okAfter(killedAt)}, after the restart: ${okAfter(restartedAt)}`,
      `  verdict: ${result.ok ? 'linearizable' : `${result.violations.length} violation(s), ${result.unknown.length} undecided`}`,
    ].join('\n'));
    for (const v of result.violations) console.log(v.explanation);
    expect(result.violations.map((v) => v.explanation)).toEqual([]);
    expect(result.unknown.map((u) => u.key)).toEqual([]);
    // The history covers the failover and the return.
    expect(okAfter(killedAt) - okAfter(restartedAt)).toBeGreaterThan(200);
    expect(okAfter(restartedAt)).toBeGreaterThan(200);
    for (const kind of ['read:read', 'write:written', 'cas:written', 'cas:conflict']) expect(perKind.get(kind) ?? 0, kind).toBeGreaterThan(0);
  }, 120_000);
});
