import { describe, expect, it } from 'vitest';
import {
  RingKvError,
  clusterMapFromProto,
  clusterMapToProto,
  decodeClusterMapJson,
  encodeClusterMapJson,
  newClusterMap,
  ringOf,
  validateClusterMap,
  type ClusterMap,
} from '@ringkv/core';

const sample = (): ClusterMap => ({
  ...newClusterMap('c-1', [
    { id: 's1', address: '127.0.0.1:7401', weight: 1, state: 'active' },
    { id: 's2', address: '127.0.0.1:7402', weight: 2, state: 'joining' },
  ]),
  epoch: 18_000_000_000_000_000_000n,
  migrations: [
    {
      start: 5, end: 4_000_000_000, from: 's1', to: 's2', targets: ['s2'], state: 'copying',
      keysMoved: 10n, bytesMoved: 2n ** 60n, estimatedKeys: 20n, estimatedBytes: 2n ** 61n,
    },
  ],
  nextMembers: [
    { id: 's1', address: '127.0.0.1:7401', weight: 1, state: 'active' },
    { id: 's2', address: '127.0.0.1:7402', weight: 2, state: 'active' },
    { id: 's3', address: '127.0.0.1:7403', weight: 1, state: 'joining' },
  ],
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RingKvError);
    return (err as RingKvError).code;
  }
  return undefined;
}

describe('cluster map', () => {
  it('starts at epoch 1 with replication factor 1 and the default vnodes', () => {
    const m = newClusterMap('c', [{ id: 'a', address: 'h:1', weight: 1, state: 'active' }]);
    expect(m).toMatchObject({ clusterId: 'c', epoch: 1n, vnodesPerWeight: 256, replicationFactor: 1, migrations: [], nextMembers: [] });
  });

  it('round trips through the proto shape and JSON, keeping 64-bit numbers exact', () => {
    const m = sample();
    expect(clusterMapFromProto(clusterMapToProto(m) as never)).toEqual(m);
    const json = encodeClusterMapJson(m);
    expect(decodeClusterMapJson(json)).toEqual(m);
    expect(json).toContain('18000000000000000000');
  });

  it('ringOf follows members and weights', () => {
    const ring = ringOf(sample());
    expect(ring.memberIds).toEqual(['s1', 's2']);
    expect(ring.tokens.length).toBe(256 * 3);
  });

  it.each<[string, (m: ClusterMap) => void]>([
    ['no cluster id', (m) => (m.clusterId = '')],
    ['epoch 0', (m) => (m.epoch = 0n)],
    ['no members', (m) => (m.members = [])],
    ['duplicate id', (m) => (m.members[1]!.id = 's1')],
    ['duplicate address', (m) => (m.members[1]!.address = m.members[0]!.address)],
    ['zero weight', (m) => (m.members[0]!.weight = 0)],
    ['vnodes 0', (m) => (m.vnodesPerWeight = 0)],
    ['a next member of weight 0', (m) => (m.nextMembers[2]!.weight = 0)],
    ['a weight over 1000', (m) => (m.members[0]!.weight = 1001)],
    ['a ring of more than 2^22 virtual nodes', (m) => {
      m.vnodesPerWeight = 65536;
      m.members[0]!.weight = 100;
    }],
    ['an invalid member id', (m) => (m.members[0]!.id = 'bad id')],
    ['an empty member id', (m) => (m.nextMembers[0]!.id = '')],
    ['an unparsable address', (m) => (m.members[0]!.address = 'nohost')],
    ['an unknown member state', (m) => (m.members[0]!.state = 'bogus' as never)],
    ['duplicate next member ids', (m) => (m.nextMembers[2]!.id = 's1')],
    ['migrations without next members', (m) => (m.nextMembers = [])],
    ['a migration from a non-member', (m) => (m.migrations[0]!.from = 's3')],
    ['a migration to a shard not in next members', (m) => (m.migrations[0]!.to = 's9')],
    ['a migration to its own source', (m) => (m.migrations[0]!.to = 's1')],
    ['a migration in an unknown state', (m) => (m.migrations[0]!.state = 'bogus')],
    ['an arc end beyond 32 bits', (m) => (m.migrations[0]!.end = 2 ** 32)],
  ])('rejects %s with INVALID_ARGUMENT', (_what, spoil) => {
    const m = sample();
    spoil(m);
    expect(codeOf(() => validateClusterMap(m))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => decodeClusterMapJson(encodeClusterMapJson(m)))).toBe('INVALID_ARGUMENT');
  });
});
