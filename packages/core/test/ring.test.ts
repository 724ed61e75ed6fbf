import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_VNODES_PER_WEIGHT,
  Ring,
  arcContains,
  arcSize,
  hash32,
  hashString,
  tokenCount,
  type ArcChange,
  type RingMember,
} from '@ringkv/core';

const RING = 2 ** 32;
const members = (ids: string[], weight = 1): RingMember[] => ids.map((id) => ({ id, weight }));
const shards = (n: number) => Array.from({ length: n }, (_, i) => `shard-${i}`);

/** Deterministic xorshift32, so the "random" keys are the same on every run. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function randomKeys(n: number, seed: number): Buffer[] {
  const next = prng(seed);
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const b = Buffer.allocUnsafe(4 + (next() % 20));
    for (let j = 0; j < b.length; j++) b[j] = next() & 0xff;
    out.push(b);
  }
  return out;
}

function keysPerShard(ring: Ring, keys: Buffer[]): Map<string, number> {
  const counts = new Map<string, number>(ring.memberIds.map((id) => [id, 0]));
  for (const k of keys) {
    const o = ring.ownerOf(hash32(k));
    counts.set(o, counts.get(o)! + 1);
  }
  return counts;
}

/** Oracle: owner by linear scan over every (token, owner) pair, straight from the definition. */
function bruteOwner(ring: Ring, h: number): string {
  let best = -1;
  for (let i = 0; i < ring.tokens.length; i++) {
    if (ring.tokens[i]! >= h) {
      best = i;
      break;
    }
  }
  return ring.memberIds[ring.owners[best === -1 ? 0 : best]!]!;
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const next = prng(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const sum = (xs: Iterable<number>) => [...xs].reduce((a, b) => a + b, 0);
const totalSize = (arcs: Array<{ start: number; end: number }>) => sum(arcs.map(arcSize));

describe('Ring construction', () => {
  it('gives each member round(vnodesPerWeight * weight) tokens at hash32("<id>#<i>")', () => {
    const ring = new Ring([
      { id: 'a', weight: 1 },
      { id: 'b', weight: 0.5 },
      { id: 'c', weight: 2.3 },
    ]);
    expect(DEFAULT_VNODES_PER_WEIGHT).toBe(256);
    expect(ring.vnodesPerWeight).toBe(256);
    expect(ring.tokens.length).toBe(256 + 128 + Math.round(256 * 2.3));
    const expected: number[] = [];
    for (const [id, n] of [['a', 256], ['b', 128], ['c', 589]] as const) {
      for (let i = 0; i < n; i++) expected.push(hashString(`${id}#${i}`));
    }
    expect([...ring.tokens]).toEqual(expected.sort((x, y) => x - y));
    expect(tokenCount(0.001, 256)).toBe(1);
    expect(tokenCount(1.5, 10)).toBe(15);
  });

  it('rejects duplicate members, non-positive weights and bad vnode counts with TypeError', () => {
    expect(() => new Ring(members(['a', 'a']))).toThrow(TypeError);
    expect(() => new Ring([{ id: 'a', weight: 0 }])).toThrow(TypeError);
    expect(() => new Ring([{ id: 'a', weight: -1 }])).toThrow(TypeError);
    expect(() => new Ring([{ id: 'a', weight: Number.NaN }])).toThrow(TypeError);
    expect(() => new Ring([{ id: 'a', weight: Infinity }])).toThrow(TypeError);
    expect(() => new Ring(members(['a']), 0)).toThrow(TypeError);
    expect(() => new Ring(members(['a']), 1.5)).toThrow(TypeError);
  });

  it('is deterministic: the same members in any order give the same ring', () => {
    const ms: RingMember[] = [
      { id: 'n1', weight: 1 },
      { id: 'n2', weight: 2 },
      { id: 'n3', weight: 0.5 },
      { id: 'alpha', weight: 1 },
      { id: 'zeta', weight: 1.25 },
    ];
    const base = new Ring(ms);
    for (let seed = 1; seed <= 10; seed++) {
      const other = new Ring(shuffled(ms, seed));
      expect(other.memberIds).toEqual(base.memberIds);
      expect(Buffer.from(other.tokens.buffer).equals(Buffer.from(base.tokens.buffer))).toBe(true);
      expect(Buffer.from(other.owners.buffer).equals(Buffer.from(base.owners.buffer))).toBe(true);
      expect(other.arcs()).toEqual(base.arcs());
    }
    const next = prng(7);
    const again = new Ring([...ms].reverse());
    for (let i = 0; i < 10_000; i++) {
      const h = next();
      expect(again.ownerOf(h)).toBe(base.ownerOf(h));
    }
  });
});

describe('Ring.ownerOf', () => {
  const ring = new Ring(members(['a', 'b', 'c', 'd']), 16);

  it('is the owner of the first token >= hash, wrapping', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (h) => {
        expect(ring.ownerOf(h)).toBe(bruteOwner(ring, h));
      }),
      { numRuns: 5000 },
    );
  });

  it('handles the boundaries: a token itself, one past it, 0 and 2^32-1', () => {
    const t = ring.tokens;
    for (let i = 0; i < t.length; i++) {
      expect(ring.ownerOf(t[i]!)).toBe(ring.memberIds[ring.owners[i]!]);
      if (t[i]! < 0xffffffff) expect(ring.ownerOf(t[i]! + 1)).toBe(bruteOwner(ring, t[i]! + 1));
    }
    expect(ring.ownerOf(0)).toBe(bruteOwner(ring, 0));
    // Past the last token wraps to the first.
    expect(ring.ownerOf(0xffffffff)).toBe(ring.memberIds[ring.owners[0]!]);
    expect(ring.ownerOf(t[t.length - 1]! + 1)).toBe(ring.memberIds[ring.owners[0]!]);
  });

  it('throws on an empty ring', () => {
    expect(() => new Ring([]).ownerOf(1)).toThrow();
  });
});

describe('Ring balance', () => {
  it('max/mean keys per shard <= 1.15 at 10 shards of weight 1 with the default vnodes', () => {
    const ring = new Ring(members(shards(10)));
    const keys = randomKeys(200_000, 0x5eed);
    const counts = keysPerShard(ring, keys);
    expect(counts.size).toBe(10);
    expect(sum(counts.values())).toBe(200_000);
    const mean = 200_000 / 10;
    const max = Math.max(...counts.values());
    const min = Math.min(...counts.values());
    expect(max / mean).toBeLessThanOrEqual(1.15);
    expect(min / mean).toBeGreaterThanOrEqual(0.85);
    // The share of hash space, which the key counts estimate, is balanced too.
    const share = new Map<string, number>();
    for (const a of ring.arcs()) share.set(a.owner, (share.get(a.owner) ?? 0) + arcSize(a));
    expect(Math.max(...share.values()) / (RING / 10)).toBeLessThanOrEqual(1.15);
  });

  it('gives a weight-2 shard about twice the keys of a weight-1 shard', () => {
    const ring = new Ring([...members(['s1', 's2', 's3', 's4']), { id: 'heavy', weight: 2 }]);
    expect(ring.tokens.length).toBe(4 * 256 + 512);
    const counts = keysPerShard(ring, randomKeys(120_000, 42));
    const light = (counts.get('s1')! + counts.get('s2')! + counts.get('s3')! + counts.get('s4')!) / 4;
    const ratio = counts.get('heavy')! / light;
    expect(ratio).toBeGreaterThan(1.7);
    expect(ratio).toBeLessThan(2.3);
  });
});

describe('Ring.preferenceList', () => {
  const ring = new Ring(members(shards(5)), 32);

  it('gives R distinct shards, primary first = ownerOf', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 5 }), (h, r) => {
        const list = ring.preferenceList(h, r);
        expect(list).toHaveLength(r);
        expect(new Set(list).size).toBe(r);
        expect(list[0]).toBe(ring.ownerOf(h));
        for (const id of list) expect(ring.memberIds).toContain(id);
      }),
      { numRuns: 2000 },
    );
  });

  it('follows the ring clockwise to the next distinct owners', () => {
    const h = 123_456_789;
    const list = ring.preferenceList(h, 3);
    // Walk tokens from the owner's token, collecting distinct owners.
    const seen: string[] = [];
    let i = ring.tokenIndex(h);
    while (seen.length < 3) {
      const id = ring.memberIds[ring.owners[i]!]!;
      if (!seen.includes(id)) seen.push(id);
      i = (i + 1) % ring.tokens.length;
    }
    expect(list).toEqual(seen);
  });

  it('caps at the number of members', () => {
    expect(ring.preferenceList(42, 10).sort()).toEqual([...ring.memberIds].sort());
    expect(new Ring(members(['only'])).preferenceList(99, 3)).toEqual(['only']);
  });
});

describe('Ring.arcs', () => {
  const check = (ring: Ring) => {
    const arcs = ring.arcs();
    expect(totalSize(arcs)).toBe(RING);
    // Contiguous: each arc ends where the next starts, all the way round.
    for (let i = 0; i < arcs.length; i++) expect(arcs[(i + 1) % arcs.length]!.start).toBe(arcs[i]!.end);
    // Adjacent arcs have different owners (they are merged otherwise).
    if (arcs.length > 1) for (let i = 0; i < arcs.length; i++) expect(arcs[(i + 1) % arcs.length]!.owner).not.toBe(arcs[i]!.owner);
    // Agree with ownerOf at both ends of every arc and at random points.
    for (const a of arcs) {
      expect(ring.ownerOf(a.end)).toBe(a.owner);
      expect(ring.ownerOf((a.start + 1) >>> 0)).toBe(a.owner);
    }
    const next = prng(99);
    for (let i = 0; i < 5000; i++) {
      const h = next();
      const containing = arcs.filter((a) => arcContains(a, h));
      expect(containing).toHaveLength(1);
      expect(containing[0]!.owner).toBe(ring.ownerOf(h));
    }
    return arcs;
  };

  it('cover the ring exactly once and agree with ownerOf', () => {
    check(new Ring(members(shards(3))));
    check(new Ring([...members(shards(6)), { id: 'w', weight: 3 }], 20));
  });

  it('is one whole-ring arc for a single member', () => {
    const arcs = check(new Ring(members(['solo'])));
    expect(arcs).toHaveLength(1);
    expect(arcs[0]!.start).toBe(arcs[0]!.end);
  });

  it('arcsOf partitions the ring among members', () => {
    const ring = new Ring(members(shards(4)));
    const byMember = ring.memberIds.map((id) => ring.arcsOf(id));
    expect(sum(byMember.map(totalSize))).toBe(RING);
  });
});

describe('Ring.diff', () => {
  const ownerChanges = (before: Ring, after: Ring, changes: ArcChange[], randomProbes = 20_000) => {
    // Every hash whose owner differs lies in exactly one change with the right from/to,
    // and every hash in a change really changed owner.
    const next = prng(2024);
    const probes: number[] = [];
    for (let i = 0; i < randomProbes; i++) probes.push(next());
    for (const c of changes) probes.push(c.end, (c.start + 1) >>> 0);
    for (const h of probes) {
      const from = before.ownerOf(h);
      const to = after.ownerOf(h);
      const hits = changes.filter((c) => arcContains(c, h));
      if (from === to) {
        expect(hits).toHaveLength(0);
      } else {
        expect(hits).toHaveLength(1);
        expect(hits[0]).toMatchObject({ from, to });
      }
    }
  };

  it('is empty for identical rings', () => {
    const a = new Ring(members(shards(3)));
    const b = new Ring(shuffled(members(shards(3)), 5));
    expect(Ring.diff(a, b)).toEqual([]);
  });

  it('adding a 4th shard moves only arcs to the new shard, about 1/4 of the ring', () => {
    const before = new Ring(members(['shard-1', 'shard-2', 'shard-3']));
    const after = new Ring(members(['shard-1', 'shard-2', 'shard-3', 'shard-4']));
    const changes = Ring.diff(before, after);
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) {
      expect(c.to).toBe('shard-4');
      expect(['shard-1', 'shard-2', 'shard-3']).toContain(c.from);
      expect(arcSize(c)).toBeGreaterThan(0);
    }
    const moved = totalSize(changes) / RING;
    expect(moved).toBeGreaterThan(0.25 * 0.75);
    expect(moved).toBeLessThan(0.25 * 1.25);
    // The moved space is exactly what the new shard owns afterwards.
    expect(totalSize(changes)).toBe(totalSize(after.arcsOf('shard-4')));
    ownerChanges(before, after, changes);
  });

  it('removing a shard moves only its arcs, to the survivors', () => {
    const before = new Ring(members(shards(4)));
    const after = new Ring(members(shards(4).filter((s) => s !== 'shard-2')));
    const changes = Ring.diff(before, after);
    for (const c of changes) {
      expect(c.from).toBe('shard-2');
      expect(c.to).not.toBe('shard-2');
    }
    expect(totalSize(changes)).toBe(totalSize(before.arcsOf('shard-2')));
    ownerChanges(before, after, changes);
  });

  it('a weight change moves space only toward the heavier shard', () => {
    const before = new Ring(members(shards(3)));
    const after = new Ring([...members(['shard-0', 'shard-1']), { id: 'shard-2', weight: 2 }]);
    const changes = Ring.diff(before, after);
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) expect(c.to).toBe('shard-2');
    ownerChanges(before, after, changes);
  });

  it('merges adjacent changes: no two consecutive changes share (from, to) and touch', () => {
    const before = new Ring(members(shards(3)), 64);
    const after = new Ring(members(shards(5)), 64);
    const changes = Ring.diff(before, after);
    for (let i = 0; i + 1 < changes.length; i++) {
      const a = changes[i]!;
      const b = changes[i + 1]!;
      expect(a.end === b.start && a.from === b.from && a.to === b.to).toBe(false);
    }
    ownerChanges(before, after, changes);
  });

  it('matches the owner changes for arbitrary membership changes', () => {
    const idArb = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    const memberSet = fc.uniqueArray(idArb, { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(memberSet, memberSet, (x, y) => {
        const before = new Ring(members(x), 8);
        const after = new Ring(members(y), 8);
        ownerChanges(before, after, Ring.diff(before, after), 300);
      }),
      { numRuns: 40 },
    );
  });
});
