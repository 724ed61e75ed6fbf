import { describe, expect, it } from 'vitest';
import { RandomLoadBalancer, RoundRobinLoadBalancer, WeightedLoadBalancer, createLoadBalancer, type LoadBalancer } from '../src/internal-mod.js';

const A = '127.0.0.1:7401';
const B = '127.0.0.1:7402';
const C = '127.0.0.1:7403';

function counts(lb: LoadBalancer, candidates: string[], picks: number): Map<string, number> {
  const out = new Map<string, number>(candidates.map((c) => [c, 0]));
  for (let i = 0; i < picks; i++) {
    const c = lb.pick(candidates);
    out.set(c, (out.get(c) ?? 0) + 1);
  }
  return out;
}

/** A deterministic [0, 1) generator (mulberry32), so the random policy's test cannot flake. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('round robin', () => {
  it('takes each candidate in turn', () => {
    const lb = new RoundRobinLoadBalancer();
    expect(Array.from({ length: 6 }, () => lb.pick([A, B, C]))).toEqual([A, B, C, A, B, C]);
  });

  it('splits evenly, and over the remaining candidates when one drops out', () => {
    const lb = new RoundRobinLoadBalancer();
    expect([...counts(lb, [A, B], 1000).values()]).toEqual([500, 500]);
    const three = counts(lb, [A, B, C], 3000);
    for (const n of three.values()) expect(n).toBe(1000);
  });
});

describe('random', () => {
  it('stays within 10% of an even split over many picks', () => {
    const lb = new RandomLoadBalancer(seeded(42));
    const n = 20_000;
    for (const c of counts(lb, [A, B], n).values()) expect(Math.abs(c / n - 0.5)).toBeLessThan(0.1 * 0.5);
  });

  it('with Math.random too (tolerance far above its noise: sd 0.35% at 20,000 picks)', () => {
    const lb = createLoadBalancer('random');
    const n = 20_000;
    const got = counts(lb, [A, B, C], n);
    for (const c of got.values()) expect(Math.abs(c / n - 1 / 3)).toBeLessThan(0.1 / 3);
  });

  it('never picks outside the candidates, even for random() close to 1', () => {
    const lb = new RandomLoadBalancer(() => 0.9999999999);
    expect(lb.pick([A, B])).toBe(B);
    expect(new RandomLoadBalancer(() => 0).pick([A, B])).toBe(A);
  });
});

describe('weighted', () => {
  it('splits 3:1 exactly over every 4 picks, interleaved rather than in bursts', () => {
    const lb = new WeightedLoadBalancer({ [A]: 3, [B]: 1 });
    const seq = Array.from({ length: 8 }, () => lb.pick([A, B]));
    expect(seq.filter((x) => x === A)).toHaveLength(6);
    expect(seq.slice(0, 4).filter((x) => x === B)).toHaveLength(1);
    expect(seq.slice(4, 8).filter((x) => x === B)).toHaveLength(1);
  });

  it('keeps fractional weights in proportion (0.5 : 1.5 : 2)', () => {
    const lb = createLoadBalancer({ weighted: { [A]: 0.5, [B]: 1.5, [C]: 2 } });
    const got = counts(lb, [A, B, C], 4000);
    expect(got.get(A)).toBe(500);
    expect(got.get(B)).toBe(1500);
    expect(got.get(C)).toBe(2000);
  });

  it("shares an ejected router's weight among the others in proportion", () => {
    const lb = new WeightedLoadBalancer({ [A]: 3, [B]: 1, [C]: 2 });
    counts(lb, [A, B, C], 7);
    const got = counts(lb, [A, C], 5000);
    expect(got.get(A)! / 5000).toBeCloseTo(0.6, 2);
    expect(got.get(B)).toBeUndefined();
  });
});
