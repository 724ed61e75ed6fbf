import type { RouterTransport } from './transport.js';

/**
 * Chooses the router for the next batch among candidates the pool has already filtered
 * (healthy, not to be avoided). The seam for more policies (random, weighted, least-loaded).
 */
export interface LoadBalancer {
  pick(candidates: readonly RouterTransport[]): RouterTransport;
}

export class RoundRobinLoadBalancer implements LoadBalancer {
  #next = 0;

  pick(candidates: readonly RouterTransport[]): RouterTransport {
    const i = this.#next++ % candidates.length;
    if (this.#next >= Number.MAX_SAFE_INTEGER) this.#next = 0;
    return candidates[i]!;
  }
}

/** The routers of one client, and the policy that spreads work over them. */
export class RouterPool {
  readonly routers: readonly RouterTransport[];
  readonly #balancer: LoadBalancer;

  constructor(routers: readonly RouterTransport[], balancer: LoadBalancer = new RoundRobinLoadBalancer()) {
    if (routers.length === 0) throw new TypeError('RouterPool needs at least one router');
    this.routers = routers;
    this.#balancer = balancer;
  }

  get size(): number {
    return this.routers.length;
  }

  /**
   * A router for the next request: preferably healthy and not in `avoid` (the routers that
   * just failed this request), else not in `avoid`, else any.
   */
  pick(avoid?: ReadonlySet<RouterTransport>): RouterTransport {
    if (this.routers.length === 1) return this.routers[0]!;
    const fresh = avoid && avoid.size > 0 ? this.routers.filter((r) => !avoid.has(r)) : this.routers;
    const healthy = fresh.filter((r) => r.healthy);
    if (healthy.length > 0) return this.#balancer.pick(healthy);
    return this.#balancer.pick(fresh.length > 0 ? fresh : this.routers);
  }

  close(): void {
    for (const r of this.routers) r.close();
  }
}
