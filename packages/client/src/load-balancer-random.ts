import type { LoadBalancer } from './load-balancer.js';

/** Each pick is a uniformly random candidate. */
export class RandomLoadBalancer implements LoadBalancer {
  readonly #random: () => number;

  /** `random` returns a number in [0, 1), like Math.random (tests pass a seeded one). */
  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  pick(candidates: readonly string[]): string {
    return candidates[Math.min(candidates.length - 1, Math.floor(this.#random() * candidates.length))]!;
  }
}
