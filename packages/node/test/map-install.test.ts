import { describe, expect, it } from 'vitest';
import { ArcState, Ownership, decodeClusterMapJson, type Arc, type ClusterMap } from '@ringkv/core';
import type { BatchOp } from '../src/level-store.js';
import { MapInstaller, isNewerMap, planInstall, type MapInstallHost } from '../src/map-install.js';
import { replicatedArcs } from '../src/node-arcs.js';
import { OwnershipFence } from '../src/ownership-fence.js';
import { MAP_KEY } from '../src/storage-format.js';
import { mapOf, move, ownership, sampleHashes } from './helpers/maps.js';

describe('isNewerMap', () => {
  const current = mapOf(['n1', 'n2'], 5n);
  it('takes a first map and a newer one, keeps the current one over an older or equal one', () => {
    expect(isNewerMap('n1', undefined, current)).toBe(true);
    expect(isNewerMap('n1', current, mapOf(['n1'], 6n))).toBe(true);
    expect(isNewerMap('n1', current, mapOf(['n1'], 4n))).toBe(false);
    expect(isNewerMap('n1', current, mapOf(['n1', 'n2'], 5n))).toBe(false);
  });

  it('refuses a map of another cluster and a different map at the same epoch', () => {
    expect(() => isNewerMap('n1', current, { ...mapOf(['n1'], 9n), clusterId: 'c2' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => isNewerMap('n1', current, mapOf(['n1'], 5n))).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
  });
});

describe('planInstall', () => {
  const two = ['n1', 'n2'];

  it('waits for old writes on a first map, and on a change of replica states or factor only', () => {
    const first = planInstall('n1', undefined, ownership(two));
    expect(first).toMatchObject({ barrier: true, promoted: false, incoming: [], clearBeforeSave: undefined });
    expect(first.changed(12345)).toBe(true);
    const plain = planInstall('n1', ownership(two), ownership(two, 2n));
    expect(plain.barrier).toBe(false);
    expect(sampleHashes().some((h) => plain.changed(h))).toBe(false);
    expect(planInstall('n1', ownership(two), ownership(two, 2n, { replicationFactor: 2 })).barrier).toBe(true);
  });

  it('clears what a replica replicates when its catch-up starts, and again for a new catch-up only', () => {
    const rf = { replicationFactor: 2 };
    const catching = (since: bigint) => ownership(['n1', 'n2', 'n3'], since, { ...rf, replicaStates: [{ id: 'n2', state: 'catching_up', since }] });
    const start = planInstall('n2', ownership(['n1', 'n2', 'n3'], 1n, rf), catching(2n));
    expect(start.clearBeforeSave).toEqual(replicatedArcs(catching(2n), 'n2', () => true));
    expect(start.clearBeforeSave!.length).toBeGreaterThan(0);
    expect(planInstall('n2', catching(2n), ownership(['n1', 'n2', 'n3'], 3n, { ...rf, replicaStates: [{ id: 'n2', state: 'catching_up', since: 2n }] }))
      .clearBeforeSave).toBeUndefined();
    expect(planInstall('n2', catching(2n), catching(4n)).clearBeforeSave).toBeDefined();
    // The primaries copying to it clear nothing.
    expect(planInstall('n1', ownership(['n1', 'n2', 'n3'], 1n, rf), catching(2n)).clearBeforeSave).toBeUndefined();
  });

  it('marks the shard a failover makes primary as promoted, and nobody else', () => {
    const before = ownership(two, 1n, { replicationFactor: 2 });
    const after = ownership(two, 2n, { replicationFactor: 2, replicaStates: [{ id: 'n1', state: 'out_of_sync' }] });
    expect(planInstall('n2', before, after)).toMatchObject({ promoted: true, barrier: true });
    expect(planInstall('n1', before, after).promoted).toBe(false);
    // Without a change of replica states there is no failover (a migration moving primaries is not one).
    expect(planInstall('n2', before, ownership(two, 2n, { replicationFactor: 2 })).promoted).toBe(false);
  });

  it('clears an incoming copy when it starts copying, and makes its source wait for old writes', () => {
    const base = ownership(two);
    const h = sampleHashes().find((x) => base.ownerOf(x) === 'n1')!;
    const arc: Arc = base.ring.arcOf(h);
    const at = (epoch: bigint, state: ArcState) => ownership(two, epoch, { migrations: [move(arc, 'n1', 'n2', state)], nextMembers: base.map.members });
    const starts = planInstall('n2', at(2n, ArcState.PENDING), at(3n, ArcState.COPYING));
    expect(starts.incoming.map((m) => [m.start, m.end])).toEqual([[arc.start, arc.end]]);
    expect(starts.barrier).toBe(false);
    expect(starts.changed(h)).toBe(true);
    expect(planInstall('n1', at(2n, ArcState.PENDING), at(3n, ArcState.COPYING)).barrier).toBe(true);
    expect(planInstall('n1', at(3n, ArcState.COPYING), at(4n, ArcState.HANDOFF)).barrier).toBe(true);
    // Still copying (another arc changed, say): nothing to clear again, nothing to wait for.
    const again = planInstall('n2', at(3n, ArcState.COPYING), at(4n, ArcState.COPYING));
    expect(again).toMatchObject({ incoming: [], barrier: false });
    expect(again.changed(h)).toBe(false);
  });
});

/** A host that records, in order, what the installer does. */
function host(nodeId: string, over: Partial<MapInstallHost> = {}) {
  const events: string[] = [];
  const fence = new OwnershipFence(nodeId);
  const observed: bigint[] = [];
  let failSave = false;
  const h: MapInstallHost = {
    nodeId,
    fence,
    store: {
      async batch(ops: BatchOp[], sync: boolean) {
        const op = ops[0]!;
        expect(op.type === 'put' && op.key.equals(MAP_KEY) && sync).toBe(true);
        const epoch = decodeClusterMapJson((op as { value: Buffer }).value.toString('utf8')).epoch;
        events.push(`save ${epoch}${fence.writeGate ? ' gated' : ''}`);
        if (failSave) throw new Error('disk full');
      },
    },
    peers: {
      retain: (addresses) => void events.push(`retain ${[...addresses].length}`),
      clockOf: async () => ({ epoch: 99n, clock: 1234n }),
    },
    clock: { observe: (v: bigint) => void observed.push(v) },
    housekeeping: {
      clearRanges: async (arcs: Arc[]) => void events.push(`clear ${arcs.length} at ${fence.epoch}`),
      scheduleCleanup: (previous: Ownership | undefined) => void events.push(`cleanup after ${previous?.epoch ?? 'none'}`),
    },
    invalidateQueues: () => void events.push(`queues at ${fence.epoch}`),
    installed: () => undefined,
    barrier: async () => void events.push('barrier'),
    ...over,
  };
  return { h, events, fence, observed, failSave: () => (failSave = true) };
}

describe('MapInstaller', () => {
  it('saves, puts in force, rebuilds queue indexes, waits for old writes, cleans up, then settles', async () => {
    const { h, events, fence } = host('n1');
    const installer = new MapInstaller(h);
    const map = mapOf(['n1', 'n2'], 1n);
    expect(await installer.install(map)).toBe(map);
    expect(events).toEqual(['save 1', 'queues at 1', 'barrier', 'cleanup after none', 'retain 2']);
    expect(fence.epoch).toBe(1n);
    expect(fence.settledEpoch).toBe(1n);
  });

  it('returns the map in force for an older map, and installs maps one at a time in call order', async () => {
    let release!: () => void;
    const { h, events, fence } = host('n1', {
      barrier: () => new Promise<void>((r) => {
        release = r;
      }),
    });
    const installer = new MapInstaller(h);
    const newer = installer.install(mapOf(['n1', 'n2'], 3n));
    const older = installer.install(mapOf(['n1'], 2n));
    await new Promise((r) => setImmediate(r));
    // The first install waits in its barrier: in force, not settled; the second has not started.
    expect(fence.epoch).toBe(3n);
    expect(fence.settledEpoch).toBe(0n);
    expect(events.filter((e) => e.startsWith('save'))).toEqual(['save 3']);
    release();
    expect((await newer).epoch).toBe(3n);
    expect((await older).epoch).toBe(3n);
    expect(events.filter((e) => e.startsWith('save'))).toEqual(['save 3']);
    expect(fence.settledEpoch).toBe(3n);
  });

  it('clears a starting catch-up before the map is saved, and an incoming copy after it is in force', async () => {
    const rf = { replicationFactor: 2 };
    const { h, events } = host('n2');
    const installer = new MapInstaller(h);
    await installer.install(mapOf(['n1', 'n2', 'n3'], 1n, rf));
    events.length = 0;
    await installer.install(mapOf(['n1', 'n2', 'n3'], 2n, { ...rf, replicaStates: [{ id: 'n2', state: 'catching_up', since: 2n }] }));
    expect(events[0]).toMatch(/^clear \d+ at 1$/);
    expect(events[1]).toBe('save 2');

    const base = ownership(['n1', 'n2']);
    const arc = base.ring.arcOf(sampleHashes().find((x) => base.ownerOf(x) === 'n1')!);
    const t = host('n2');
    const target = new MapInstaller(t.h);
    await target.install(mapOf(['n1', 'n2'], 1n));
    t.events.length = 0;
    await target.install(mapOf(['n1', 'n2'], 2n, { migrations: [move(arc, 'n1', 'n2', ArcState.COPYING)], nextMembers: base.map.members }));
    expect(t.events.slice(0, 3)).toEqual(['save 2', 'queues at 2', 'clear 1 at 2']);
  });

  it('raises the write gate of a promotion before the map is in force, and lowers it once the clock is past the replicas', async () => {
    const rf = { replicationFactor: 2 };
    const { h, events, fence, observed } = host('n2');
    const installer = new MapInstaller(h);
    await installer.install(mapOf(['n1', 'n2', 'n3'], 1n, rf));
    events.length = 0;
    const failover: ClusterMap = mapOf(['n1', 'n2', 'n3'], 2n, { ...rf, replicaStates: [{ id: 'n1', state: 'out_of_sync' }] });
    await installer.install(failover);
    expect(events[0]).toBe('save 2 gated');
    const gate = fence.writeGate;
    expect(gate).toBeDefined();
    await gate;
    // Only the other in-sync replica (n3) is asked; the dropped n1 is not.
    expect(observed).toEqual([1234n]);
    await Promise.resolve();
    expect(fence.writeGate).toBeUndefined();
  });

  it('waits for a replica to settle the new epoch before it observes its clock', async () => {
    const rf = { replicationFactor: 2 };
    const answers = [{ epoch: 1n, clock: 10n }, { epoch: 1n, clock: 20n }, { epoch: 2n, clock: 30n }];
    let asked = 0;
    const { h, fence, observed } = host('n2', {
      peers: {
        retain: () => undefined,
        clockOf: async () => {
          asked++;
          return answers.shift()!;
        },
      },
    });
    const installer = new MapInstaller(h);
    await installer.install(mapOf(['n1', 'n2', 'n3'], 1n, rf));
    await installer.install(mapOf(['n1', 'n2', 'n3'], 2n, { ...rf, replicaStates: [{ id: 'n1', state: 'out_of_sync' }] }));
    await fence.writeGate;
    // n3 answered from epoch 1 twice (not settled yet: it could still take writes from n1), then from 2.
    expect(asked).toBe(3);
    expect(observed).toEqual([30n]);
  });

  it('lowers the gate also when the install fails', async () => {
    const rf = { replicationFactor: 2 };
    let answer!: () => void;
    const t = host('n2', {
      peers: {
        retain: () => undefined,
        clockOf: () => new Promise((r) => {
          answer = () => r({ epoch: 2n, clock: 1n });
        }),
      },
    });
    const installer = new MapInstaller(t.h);
    await installer.install(mapOf(['n1', 'n2', 'n3'], 1n, rf));
    t.failSave();
    await expect(installer.install(mapOf(['n1', 'n2', 'n3'], 2n, { ...rf, replicaStates: [{ id: 'n1', state: 'out_of_sync' }] }))).rejects.toThrow('disk full');
    expect(t.fence.epoch).toBe(1n);
    const gate = t.fence.writeGate;
    expect(gate).toBeDefined();
    answer();
    await gate;
    await Promise.resolve();
    expect(t.fence.writeGate).toBeUndefined();
  });
});
