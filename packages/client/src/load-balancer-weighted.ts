import type { LoadBalancer } from './load-balancer.js';

/**
 * Smooth weighted round robin (as in nginx): over any run of picks among the same candidates,
 * each gets its share of weight within one pick, interleaved rather than in bursts
 * ({a: 3, b: 1} picks a a b a, a a b a ...). When a router is ejected, its share goes to the
 * others in proportion to their weights.
 */
export class WeightedLoadBalancer implements LoadBalancer {
  readonly #weights: ReadonlyMap<string, number>;
  readonly #current = new Map<string, number>();

  /** `weights` has a positive weight for every address that can be a candidate. */
  constructor(weights: Readonly<Record<string, number>>) {
    this.#weights = new Map(Object.entries(weights));
  }

  pick(candidates: readonly string[]): string {
    let total = 0;
    let best: string | undefined;
    let bestScore = -Infinity;
    for (const c of candidates) {
      const w = this.#weights.get(c) ?? 0;
      total += w;
      const score = (this.#current.get(c) ?? 0) + w;
      this.#current.set(c, score);
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    const chosen = best ?? candidates[0]!;
    this.#current.set(chosen, bestScore - total);
    return chosen;
  }
}
