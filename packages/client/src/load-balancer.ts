import type { LoadBalancingPolicy } from './types.js';
import { RandomLoadBalancer } from './load-balancer-random.js';
import { RoundRobinLoadBalancer } from './load-balancer-round-robin.js';
import { WeightedLoadBalancer } from './load-balancer-weighted.js';

/**
 * Chooses the router for the next batch or call among candidates the pool has already
 * filtered (not ejected, not just failed for this request). Candidates are router addresses
 * (`HOST:PORT`, normalised), never empty. One instance per client.
 */
export interface LoadBalancer {
  pick(candidates: readonly string[]): string;
}

/** The balancer for a validated policy (see resolveClientOptions). */
export function createLoadBalancer(policy: LoadBalancingPolicy, random: () => number = Math.random): LoadBalancer {
  if (policy === 'round_robin') return new RoundRobinLoadBalancer();
  if (policy === 'random') return new RandomLoadBalancer(random);
  return new WeightedLoadBalancer(policy.weighted);
}
