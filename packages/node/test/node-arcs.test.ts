import { describe, expect, it } from 'vitest';
import { Ownership, Ring, arcContains, arcSize, newClusterMap, type Arc } from '@ringkv/core';
import { droppedRanges, replicatedArcs } from '../src/node-arcs.js';
import { member, ownership, sampleHashes } from './helpers/maps.js';

const size = (arcs: Arc[]) => arcs.reduce((a, x) => a + arcSize(x), 0);
const inAny = (arcs: Arc[], h: number) => arcs.some((a) => arcContains(a, h));

describe('replicatedArcs', () => {
  it('is every arc whose preference list holds the replica and whose primary passes the filter', () => {
    const own = ownership(['n1', 'n2', 'n3', 'n4'], 1n, { replicationFactor: 2 });
    const arcs = replicatedArcs(own, 'n2', (primary) => primary === 'n1');
    expect(arcs.length).toBeGreaterThan(0);
    for (const h of sampleHashes()) {
      expect(inAny(arcs, h), `hash ${h}`).toBe(own.ownerOf(h) === 'n1' && own.replicasOf(h).includes('n2'));
    }
  });

  it('merges adjacent intervals, across the wrap too: a replica of everything gets the whole ring', () => {
    const own = ownership(['n1', 'n2', 'n3'], 1n, { replicationFactor: 3 });
    const all = replicatedArcs(own, 'n3', () => true);
    expect(all).toHaveLength(1);
    expect(arcSize(all[0]!)).toBe(2 ** 32);
  });

  it('is empty for a shard that replicates nothing', () => {
    expect(replicatedArcs(ownership(['n1', 'n2']), 'n9', () => true)).toEqual([]);
  });
});

describe('droppedRanges', () => {
  it('is what a node stops keeping between two maps', () => {
    const three = newClusterMap('c', [member('n1'), member('n2'), member('n3')]);
    const two = { ...newClusterMap('c', [member('n1'), member('n2')]), epoch: 2n };
    const before = new Ownership(three);
    const after = new Ownership(two);
    // n3 leaves: it drops everything it had; n1 keeps what it had and drops nothing.
    const n3 = droppedRanges('n3', before, after);
    const n3Owned = new Ring(three.members).arcsOf('n3');
    expect(size(n3)).toBe(size(n3Owned));
    expect(droppedRanges('n1', before, after)).toEqual([]);
    // With no previous map (startup), a node drops everything it does not own.
    expect(size(droppedRanges('n1', undefined, after))).toBe(2 ** 32 - size(new Ring(two.members).arcsOf('n1')));
  });

  it('covers exactly the hashes kept before and not after', () => {
    const before = ownership(['n1', 'n2', 'n3'], 1n, { replicationFactor: 2 });
    const after = ownership(['n1', 'n2', 'n3', 'n4'], 2n, { replicationFactor: 2 });
    for (const id of ['n1', 'n2', 'n3']) {
      const dropped = droppedRanges(id, before, after);
      for (const h of sampleHashes()) {
        expect(inAny(dropped, h), `${id} at ${h}`).toBe(before.keeps(id, h) && !after.keeps(id, h));
      }
    }
  });
});
