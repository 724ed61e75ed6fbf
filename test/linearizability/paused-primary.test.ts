import { afterAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { Ownership, hash32 } from '@ringkv/core';
import { useProcessCluster } from '../helpers/cluster.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { cutOff, heal } from '../helpers/partition.js';
import { checkHistory } from './checker.js';
import { RegisterRun } from './register-client.js';

/**
 * A primary and a router paused (SIGSTOP) for longer than the failover takes, while writes go
 * on through the coordinating router; then both wake (SIGCONT) at the same moment. The woken
 * router still has the old map, the woken primary still believes it leads: without primary
 * leases, a read through that router would return the value from before the failover. The
 * primary is also cut off (iptables) while paused, so that the new map pushed to it is not
 * waiting in its socket when it wakes. The whole get/put/CAS/delete history, through both
 * routers, must be linearizable, up to and past the woken primary's return to the in-sync sets
 * (where it leads its arcs again and writes on the interim primaries can be left in doubt).
 */
const MAX_OPS = 40_000;
const MAX_RUN_MS = 45_000;

describe('a paused primary and a paused router wake after a failover (replicationFactor 3)', () => {
  const env = useProcessCluster({
    shards: 3, routers: 2,
    routerArgs: ['--replication-factor', '3', '--failure-timeout-ms', '2000', '--heartbeat-interval-ms', '250'],
  });
  const clients: RingKvClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  it('no read through the woken router returns a value older than an acknowledged write, and nothing it acknowledges is lost', async () => {
    const cluster = env.cluster;
    const victim = 'shard-1';
    const stale = 'router-2';
    const admin = await RingKvClient.connect({ routers: [cluster.routerAddress] });
    clients.push(admin);
    const own = new Ownership(await admin.admin.clusterMap());
    const keys: string[] = [];
    for (let i = 0; keys.length < 4; i++) {
      const key = `linpause/${i}`;
      if (own.ownerOf(hash32(Buffer.from(key))) === victim) keys.push(key);
    }
    // Two clients on the coordinating router, three on the one that will be paused.
    const viaA = await Promise.all([0, 1].map(() => RingKvClient.connect({ routers: [cluster.routerAddress], timeoutMs: 4_000 })));
    const viaB = await Promise.all([0, 1, 2].map(() => RingKvClient.connect({ routers: [cluster.address(stale)], timeoutMs: 4_000 })));
    clients.push(...viaA, ...viaB);
    const run = new RegisterRun({ clients: [...viaA, ...viaB], keys, seed: 0x1b873593, backoffMs: 5, maxOps: MAX_OPS, maxRunMs: MAX_RUN_MS });
    const { history } = run;
    let paused = false;
    let wokeAt = 0;
    let backInSync = false;
    const victimPort = Number(cluster.address(victim).split(':')[1]);
    try {
      await sleep(2_000);
      cluster.signal(victim, 'SIGSTOP');
      cluster.signal(stale, 'SIGSTOP');
      paused = true;
      cutOff(victimPort);
      await waitUntil('failover', async () => ((await admin.admin.clusterMap()).replicaStates.some((r) => r.id === victim) ? true : undefined), 15_000, 100);
      // Writes through the coordinating router land on the new primaries meanwhile.
      await sleep(2_000);
      heal(victimPort);
      wokeAt = performance.now();
      cluster.signal(victim, 'SIGCONT');
      cluster.signal(stale, 'SIGCONT');
      paused = false;
      // The history goes on through the woken primary's catch-up and its hand-back (it leads
      // its arcs again once in sync), where writes applied on the interim primaries but refused
      // by replicas that already follow the returning one are in doubt (docs/ARCHITECTURE.md,
      // "Writes in doubt"): none of them may be read, or compared against, and then vanish.
      backInSync = await waitUntil('the woken primary back in sync', async () => {
        const m = await admin.admin.clusterMap().catch(() => undefined);
        return m && !m.replicaStates.some((r) => r.id === victim) ? true : undefined;
      }, 30_000, 20).catch(() => false);
      await sleep(1_000);
    } finally {
      heal(victimPort);
      if (paused) {
        cluster.signal(victim, 'SIGCONT');
        cluster.signal(stale, 'SIGCONT');
      }
      await run.stop();
    }
    // The history covers the hand-back: the woken primary leads its arcs again.
    expect(backInSync).toBe(true);
    expect(history.pending).toBe(0);
    const ops = history.operations();
    const result = checkHistory(ops);
    const okAfterWake = ops.filter((o) => o.start > wokeAt && o.outcome === 'ok');
    const okReadsB = okAfterWake.filter((o) => o.client > viaA.length && o.op.kind === 'read').length;
    console.log([
      `paused primary + router: ${ops.length} ops on ${keys.length} keys led by ${victim}; ${okAfterWake.length} ok after the wake, ${okReadsB} of them reads through ${stale}`,
      `  errors: ${run.errorSummary()}`,
      `  verdict: ${result.ok ? 'linearizable' : `${result.violations.length} violation(s), ${result.unknown.length} undecided`}`,
    ].join('\n'));
    for (const v of result.violations) console.log(v.explanation);
    expect(result.violations.map((v) => v.explanation)).toEqual([]);
    expect(result.unknown.map((u) => u.key)).toEqual([]);
    // The woken router served reads of those keys again afterwards (from the new primaries).
    expect(okReadsB).toBeGreaterThan(20);
  }, 120_000);
});
