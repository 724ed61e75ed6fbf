import type { LoadBalancer } from './load-balancer.js';

/** Each pick takes the next candidate in turn. */
export class RoundRobinLoadBalancer implements LoadBalancer {
  #next = 0;

  pick(candidates: readonly string[]): string {
    const i = this.#next % candidates.length;
    this.#next = this.#next >= Number.MAX_SAFE_INTEGER ? 0 : this.#next + 1;
    return candidates[i]!;
  }
}
