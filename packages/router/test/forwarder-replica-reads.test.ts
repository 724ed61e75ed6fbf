import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS, ErrorCode, Ownership, RingKvError, keyHash, newClusterMap, type ClusterMap, type Op__Output, type OpResult__Output,
} from '@ringkv/core';
import { Forwarder } from '../src/forwarder.js';
import type { Topology } from '../src/topology.js';

const IDS = ['shard-1', 'shard-2', 'shard-3'];

function map3(replicaStates: ClusterMap['replicaStates'] = []): ClusterMap {
  const m = newClusterMap('c', IDS.map((id, i) => ({ id, address: `127.0.0.1:${7401 + i}`, weight: 1, state: 'active' as const })));
  return { ...m, replicationFactor: 3, replicaStates };
}

const OK: OpResult__Output = {
  errorCode: '', errorMessage: '', found: true, value: Buffer.alloc(0), version: '1', expiresAtMs: '0', epoch: '1',
  remainingMs: '0', id: '0', deliveries: 0, queueStats: null, owner: '',
};

type Answer = OpResult__Output | RingKvError;

/** Shards that record what they were sent and answer from a script (default: found, value = own id). */
class FakeCluster {
  readonly own: Ownership;
  readonly sent: string[] = [];
  readonly reconciled: string[] = [];
  readonly outstanding = new Map<string, number>(IDS.map((id) => [id, 0]));
  /** Per shard, answers consumed one per op before the default one. */
  readonly script = new Map<string, Answer[]>();

  constructor(map: ClusterMap) {
    this.own = new Ownership(map);
  }

  get topology(): Topology {
    const shard = (id: string) => ({
      id,
      get outstanding() {
        return fake.outstanding.get(id)!;
      },
      submit: async (_op: Op__Output) => {
        fake.sent.push(id);
        const next = fake.script.get(id)?.shift();
        if (next instanceof RingKvError) throw next;
        return next ?? { ...OK, value: Buffer.from(id) };
      },
    });
    const fake = this;
    return {
      ownership: this.own,
      epoch: this.own.epoch,
      shard,
      ownerOf: (hash: number) => shard(this.own.ownerOf(hash)),
      reconcile: async (id: string) => {
        this.reconciled.push(id);
      },
    } as unknown as Topology;
  }
}

function get(key: string, readFrom = '', replicaSelection = ''): Op__Output {
  return { op: 'get', get: { key: Buffer.from(key), readFrom, replicaSelection } } as Op__Output;
}

function forwarder(fake: FakeCluster, random?: () => number): Forwarder {
  return new Forwarder(fake.topology, { limits: DEFAULT_LIMITS, maxRedirections: 8, tryAgainBudgetMs: 500 }, random);
}

const KEY = 'replica-key';
const HASH = keyHash(Buffer.from(KEY));

describe('Forwarder: replica reads', () => {
  it('every hash has three in-sync replicas in this map (the premise of the tests below)', () => {
    expect(new Ownership(map3()).inSyncOf(HASH)).toHaveLength(3);
  });

  it('a get without readFrom (or "primary") always goes to the primary, whatever replicaSelection says', async () => {
    const fake = new FakeCluster(map3());
    const f = forwarder(fake);
    for (let i = 0; i < 30; i++) await f.executeOne(get(KEY, i % 2 ? 'primary' : '', 'round_robin'));
    expect(new Set(fake.sent)).toEqual(new Set([fake.own.ownerOf(HASH)]));
  });

  it('random: the reads of one key reach every in-sync replica', async () => {
    const fake = new FakeCluster(map3());
    const f = forwarder(fake);
    const values = await Promise.all(Array.from({ length: 300 }, () => f.executeOne(get(KEY, 'replica', 'random'))));
    for (const id of IDS) expect(fake.sent.filter((s) => s === id).length, id).toBeGreaterThan(50);
    expect(values.every((v) => v.errorCode === '')).toBe(true);
  });

  it('round_robin: the in-sync replicas in turn', async () => {
    const fake = new FakeCluster(map3());
    const f = forwarder(fake);
    for (let i = 0; i < 6; i++) await f.executeOne(get(KEY, 'replica', 'round_robin'));
    const inSync = fake.own.inSyncOf(HASH);
    expect(fake.sent).toEqual([...inSync, ...inSync]);
  });

  it('least_outstanding: the replica with the fewest requests in flight from this router', async () => {
    const fake = new FakeCluster(map3());
    const f = forwarder(fake);
    fake.outstanding.set('shard-1', 4).set('shard-2', 0).set('shard-3', 2);
    for (let i = 0; i < 5; i++) await f.executeOne(get(KEY, 'replica', 'least_outstanding'));
    expect(fake.sent).toEqual(Array(5).fill('shard-2'));
    fake.outstanding.set('shard-2', 9);
    await f.executeOne(get(KEY, 'replica', 'least_outstanding'));
    expect(fake.sent.at(-1)).toBe('shard-3');
  });

  it('never reads from a replica that is out of sync or catching up', async () => {
    const fake = new FakeCluster(map3([{ id: 'shard-2', state: 'out_of_sync' }, { id: 'shard-3', state: 'catching_up' }]));
    const f = forwarder(fake);
    for (const policy of ['random', 'round_robin', 'least_outstanding']) {
      for (let i = 0; i < 20; i++) await f.executeOne(get(KEY, 'replica', policy));
    }
    expect(new Set(fake.sent)).toEqual(new Set(['shard-1']));
  });

  it('an unreachable replica (the call fails) is replaced once by another in-sync replica', async () => {
    const fake = new FakeCluster(map3());
    const f = forwarder(fake, () => 0); // random picks the first in-sync replica
    const first = fake.own.inSyncOf(HASH)[0]!;
    fake.script.set(first, [new RingKvError(ErrorCode.UNAVAILABLE, `${first} is unreachable`)]);
    const r = await f.executeOne(get(KEY, 'replica', 'random'));
    expect(r.errorCode).toBe('');
    expect(fake.sent).toHaveLength(2);
    expect(fake.sent[0]).toBe(first);
    expect(fake.sent[1]).not.toBe(first);
    expect((r as OpResult__Output).value.toString()).toBe(fake.sent[1]);
  });

  it('a replica answering UNAVAILABLE is replaced once too; a second failure is the result', async () => {
    const fake = new FakeCluster(map3());
    const f = forwarder(fake, () => 0);
    const unavailable = { ...OK, found: false, errorCode: ErrorCode.UNAVAILABLE, errorMessage: 'shutting down' };
    for (const id of IDS) fake.script.set(id, [unavailable]);
    const r = await f.executeOne(get(KEY, 'replica', 'round_robin'));
    expect(r.errorCode).toBe(ErrorCode.UNAVAILABLE);
    expect(fake.sent).toHaveLength(2);
    expect(new Set(fake.sent).size).toBe(2);

    fake.sent.length = 0;
    for (const id of IDS) fake.script.set(id, [new RingKvError(ErrorCode.UNAVAILABLE, `${id} down`)]);
    const thrown = await f.executeOne(get(KEY, 'replica', 'least_outstanding'));
    expect(thrown.errorCode).toBe(ErrorCode.UNAVAILABLE);
    expect(fake.sent).toHaveLength(2);
  });

  it('with one in-sync replica, a failure is not retried on the same shard', async () => {
    const fake = new FakeCluster(map3([{ id: 'shard-2', state: 'out_of_sync' }, { id: 'shard-3', state: 'out_of_sync' }]));
    const f = forwarder(fake);
    fake.script.set('shard-1', [new RingKvError(ErrorCode.UNAVAILABLE, 'down')]);
    expect((await f.executeOne(get(KEY, 'replica'))).errorCode).toBe(ErrorCode.UNAVAILABLE);
    expect(fake.sent).toEqual(['shard-1']);
  });

  it('WRONG_OWNER from a replica reconciles the map with that shard and picks again', async () => {
    const fake = new FakeCluster(map3());
    const f = forwarder(fake, () => 0);
    const first = fake.own.inSyncOf(HASH)[0]!;
    fake.script.set(first, [{ ...OK, found: false, errorCode: ErrorCode.WRONG_OWNER, errorMessage: 'not in sync', epoch: '2' }]);
    const r = await f.executeOne(get(KEY, 'replica', 'random'));
    expect(r.errorCode).toBe('');
    expect(fake.reconciled).toEqual([first]);
    expect(fake.sent).toEqual([first, first]);
  });

  it('an unknown replicaSelection or readFrom is INVALID_ARGUMENT, and nothing is sent', async () => {
    const fake = new FakeCluster(map3());
    const f = forwarder(fake);
    const a = await f.executeOne(get(KEY, 'replica', 'fastest'));
    const b = await f.executeOne(get(KEY, 'nearest'));
    expect([a.errorCode, b.errorCode]).toEqual([ErrorCode.INVALID_ARGUMENT, ErrorCode.INVALID_ARGUMENT]);
    expect(a.errorMessage).toMatch(/unknown replicaSelection "fastest"/);
    expect(fake.sent).toEqual([]);
  });
});
