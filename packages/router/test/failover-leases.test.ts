import { afterEach, describe, expect, it } from 'vitest';
import { Ownership, newClusterMap, type ClusterMap } from '@ringkv/core';
import { Failover } from '../src/control/failover.js';
import type { Committer } from '../src/control/committer.js';
import type { LeaseGrant } from '../src/shard-client.js';
import type { Topology } from '../src/topology.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = { info() {}, warn() {}, error() {}, debug() {} } as never;

/**
 * The coordinator's side of primary leases, against fake shards: what each heartbeat grants,
 * and that no shard is dropped before the lease it may hold has run out.
 */
function setup(opts: { accuse?: () => string[] } = {}) {
  let map: ClusterMap = { ...newClusterMap('c', ['s1', 's2', 's3'].map((id, i) => ({ id, address: `127.0.0.1:${7401 + i}`, weight: 1, state: 'active' as const })), 16), replicationFactor: 3 };
  map = { ...map, epoch: 1n };
  const grants: Array<{ id: string; grant: LeaseGrant; at: number }> = [];
  const silent = new Set<string>();
  const commits: Array<{ at: number; map: ClusterMap }> = [];
  const topology = {
    get map() { return map; },
    get ownership() { return new Ownership(map); },
    resetShard() {},
    shard: (id: string) => ({
      heartbeat: async (_t: number, grant: LeaseGrant) => {
        grants.push({ id, grant, at: performance.now() });
        if (silent.has(id)) throw new Error('unreachable');
        return { nodeId: id, epoch: map.epoch, unreachable: id === 's2' ? (opts.accuse?.() ?? []) : [] };
      },
    }),
  } as unknown as Topology;
  const committer: Committer = {
    leading: true,
    async commit(change) {
      map = { ...change(map), epoch: map.epoch + 1n } as ClusterMap;
      commits.push({ at: performance.now(), map });
      return map;
    },
  };
  const failover = new Failover(topology, committer, log, { heartbeatIntervalMs: 50, failureTimeoutMs: 1_000 });
  return { failover, grants, silent, commits, committer };
}

let stopLater: Failover | undefined;
afterEach(async () => {
  await stopLater?.stop();
  stopLater = undefined;
});

describe('Failover: primary leases', () => {
  it('each heartbeat confirms the shard\'s newest reply with a lease of 80% of the failure timeout; the first answer is confirmed at once', async () => {
    const { failover, grants } = setup();
    stopLater = failover;
    failover.start();
    await sleep(30);
    const s1 = grants.filter((g) => g.id === 's1');
    // Round one: an unconfirmed beat, then at once one that confirms its reply.
    expect(s1[0]!.grant).toMatchObject({ confirmedSeq: 0n, leaseMs: 0 });
    expect(s1[1]!.grant).toMatchObject({ confirmedSeq: s1[0]!.grant.seq, leaseMs: 800 });
    await sleep(150);
    const later = grants.filter((g) => g.id === 's1');
    for (let i = 2; i < later.length; i++) expect(later[i]!.grant.confirmedSeq).toBe(later[i - 1]!.grant.seq);
    expect(new Set(later.map((g) => g.grant.grantor)).size).toBe(1);
  });

  it('a shard accused while it still answers gets no more renewals and is dropped only after its lease bound', async () => {
    let accusing = false;
    const { failover, grants, commits } = setup({ accuse: () => (accusing ? ['s1'] : []) });
    stopLater = failover;
    failover.start();
    await sleep(200);
    accusing = true;
    const accusedAt = performance.now();
    const lastGrant = grants.filter((g) => g.id === 's1' && g.grant.leaseMs > 0).at(-1)!;
    await sleep(1_300);
    // The first commit is the drop (a catch-up of s1, which still answers, may follow).
    expect(commits.length).toBeGreaterThanOrEqual(1);
    expect(new Ownership(commits[0]!.map).replicaState('s1')).toBe('out_of_sync');
    // The drop waited for the lease s1 may hold: its last renewal confirmed a reply received
    // before that renewal was sent, so the lease ends by lastGrant.at + 800 ms.
    // No renewal between the accusation and the drop (after it, s1 leads nothing).
    const renewedAfter = grants.filter((g) => g.id === 's1' && g.grant.leaseMs > 0 && g.at > accusedAt + 60 && g.at < commits[0]!.at);
    expect(renewedAfter).toEqual([]);
    expect(commits[0]!.at).toBeGreaterThanOrEqual(lastGrant.at + 800);
  });

  it('a silent shard is dropped after the failure timeout, which is past its lease; a new term starts with a new grantor', async () => {
    const { failover, grants, silent, commits } = setup();
    stopLater = failover;
    failover.start();
    await sleep(200);
    const lastGrant = grants.filter((g) => g.id === 's3' && g.grant.leaseMs > 0).at(-1)!;
    silent.add('s3');
    await sleep(1_500);
    expect(commits.length).toBe(1);
    expect(commits[0]!.at).toBeGreaterThanOrEqual(lastGrant.at + 800);
    const grantor = grants[0]!.grant.grantor;
    await failover.stop();
    failover.start();
    await sleep(30);
    expect(grants.at(-1)!.grant.grantor).not.toBe(grantor);
  });

  it('grants nothing while it does not lead', async () => {
    const { failover, grants, committer } = setup();
    stopLater = failover;
    (committer as { leading: boolean }).leading = false;
    failover.start();
    await sleep(150);
    expect(grants.length).toBeGreaterThan(0);
    expect(grants.every((g) => g.grant.leaseMs === 0)).toBe(true);
  });
});
