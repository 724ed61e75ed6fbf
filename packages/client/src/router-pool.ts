import type { LoadBalancer } from './load-balancer.js';
import { RoundRobinLoadBalancer } from './load-balancer-round-robin.js';
import { isRouterFailure } from './router-failure.js';
import type { HealthStatus, RouterTransport } from './transport.js';
import type { RouterStats } from './types.js';

export interface EjectionOptions {
  /** How long the first ejection lasts before a health check. */
  backoffInitialMs: number;
  /** Longest ejection: each failed health check doubles the backoff up to this. */
  backoffMaxMs: number;
  /** Deadline of each health check of an ejected router. */
  healthCheckTimeoutMs: number;
  /** [0, 1) source for the jitter (tests pass a fixed one). @default Math.random */
  random?: () => number;
}

/** Each backoff is spread by up to this fraction either way, so clients do not probe in step. */
export const EJECTION_JITTER = 0.2;

/** The backoff of the n-th consecutive ejection: initial * 2^(n-1), jittered, at most the max. */
export function ejectionBackoffMs(n: number, o: EjectionOptions, random: () => number = Math.random): number {
  const base = Math.min(o.backoffMaxMs, o.backoffInitialMs * 2 ** Math.min(Math.max(0, n - 1), 30));
  return Math.min(o.backoffMaxMs, Math.round(base * (1 - EJECTION_JITTER + 2 * EJECTION_JITTER * random())));
}

interface Entry {
  readonly router: RouterTransport;
  /** When the health check of an ejected router is due; undefined while admitted. */
  ejectedUntil: number | undefined;
  /** Ejections and failed health checks since the last success: the backoff's exponent. */
  consecutive: number;
  ejections: number;
  lastFailure: string | undefined;
  batches: number;
  operations: number;
  calls: number;
  inFlightOperations: number;
  failures: number;
  failedOperations: number;
  probe: NodeJS.Timeout | undefined;
  stopWatch: (() => void) | undefined;
}

/**
 * The routers of one client, the policy that spreads work over them, and their ejection:
 * a router whose connection fails, or that reports NOT_SERVING on the gRPC health service,
 * gets no traffic (unless every router is ejected) until a health check after its backoff
 * says SERVING. Admitted routers are followed through one health Watch stream each (no
 * per-request probes); only ejected ones are probed, on unref'd timers.
 */
export class RouterPool {
  readonly routers: readonly RouterTransport[];
  readonly #entries: Entry[];
  readonly #byAddress = new Map<string, Entry>();
  readonly #balancer: LoadBalancer;
  readonly #ejection: EjectionOptions;
  readonly #random: () => number;
  /** Addresses of the admitted routers, in `routers` order (rebuilt on every state change). */
  #admitted: string[] = [];
  #closed = false;

  constructor(routers: readonly RouterTransport[], balancer: LoadBalancer = new RoundRobinLoadBalancer(), ejection: EjectionOptions = {
    backoffInitialMs: 250, backoffMaxMs: 30_000, healthCheckTimeoutMs: 1_000,
  }) {
    if (routers.length === 0) throw new TypeError('RouterPool needs at least one router');
    this.routers = routers;
    this.#balancer = balancer;
    this.#ejection = ejection;
    this.#random = ejection.random ?? Math.random;
    this.#entries = routers.map((router) => ({
      router, ejectedUntil: undefined, consecutive: 0, ejections: 0, lastFailure: undefined,
      batches: 0, operations: 0, calls: 0, inFlightOperations: 0, failures: 0, failedOperations: 0,
      probe: undefined, stopWatch: undefined,
    }));
    for (const e of this.#entries) this.#byAddress.set(e.router.address, e);
    this.#rebuild();
    for (const e of this.#entries) this.#watch(e);
  }

  get size(): number {
    return this.routers.length;
  }

  /**
   * A router for the next request: an admitted one not in `avoid` (the routers that just
   * failed this request), else any not in `avoid` (every router is ejected), else any.
   */
  pick(avoid?: ReadonlySet<RouterTransport>): RouterTransport {
    if (this.#entries.length === 1) return this.routers[0]!;
    if ((!avoid || avoid.size === 0) && this.#admitted.length > 0) return this.#entry(this.#balancer.pick(this.#admitted)).router;
    const fresh = avoid && avoid.size > 0 ? this.#entries.filter((e) => !avoid.has(e.router)) : this.#entries;
    const admitted = fresh.filter((e) => e.ejectedUntil === undefined);
    const from = admitted.length > 0 ? admitted : fresh.length > 0 ? fresh : this.#entries;
    return this.#entry(this.#balancer.pick(from.map((e) => e.router.address))).router;
  }

  isEjected(router: RouterTransport): boolean {
    return this.#entry(router.address).ejectedUntil !== undefined;
  }

  /** A batch of `ops` operations (0 for a scan page, status or admin call) is being sent to `router`. */
  sent(router: RouterTransport, ops: number): void {
    const e = this.#entry(router.address);
    if (ops > 0) {
      e.batches++;
      e.operations += ops;
      e.inFlightOperations += ops;
    } else {
      e.calls++;
    }
  }

  /** What `sent` announced has ended, with `err` if the whole call failed. */
  settled(router: RouterTransport, ops: number, err?: unknown): void {
    const e = this.#entry(router.address);
    e.inFlightOperations -= ops;
    if (err === undefined) {
      if (e.ejectedUntil === undefined) e.consecutive = 0;
    } else if (isRouterFailure(err)) {
      e.failures++;
      e.failedOperations += ops;
      this.eject(router, (err as Error).message);
    }
  }

  /** Takes `router` out of rotation until a health check after its backoff says SERVING. */
  eject(router: RouterTransport, why: string): void {
    const e = this.#entry(router.address);
    if (this.#closed || e.ejectedUntil !== undefined) return;
    e.ejections++;
    this.#backOff(e, why);
  }

  /** Per router, in `routers` order: state, ejection and traffic counters. */
  stats(): RouterStats[] {
    return this.#entries.map((e) => ({
      address: e.router.address,
      state: e.ejectedUntil === undefined ? 'healthy' : 'ejected',
      ...(e.ejectedUntil !== undefined ? { ejectedUntil: e.ejectedUntil } : {}),
      ...(e.lastFailure !== undefined ? { lastFailure: e.lastFailure } : {}),
      ejections: e.ejections,
      batches: e.batches,
      operations: e.operations,
      calls: e.calls,
      inFlightOperations: e.inFlightOperations,
      failures: e.failures,
      failedOperations: e.failedOperations,
    }));
  }

  /** Stops health checks and watches and closes every router. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const e of this.#entries) {
      clearTimeout(e.probe);
      e.probe = undefined;
      e.stopWatch?.();
      e.stopWatch = undefined;
      e.router.close();
    }
  }

  #entry(address: string): Entry {
    const e = this.#byAddress.get(address);
    if (!e) throw new TypeError(`router ${address} is not in this pool`);
    return e;
  }

  #rebuild(): void {
    this.#admitted = this.#entries.filter((e) => e.ejectedUntil === undefined).map((e) => e.router.address);
  }

  #backOff(e: Entry, why: string): void {
    e.consecutive++;
    e.lastFailure = why;
    e.stopWatch?.();
    e.stopWatch = undefined;
    const ms = ejectionBackoffMs(e.consecutive, this.#ejection, this.#random);
    e.ejectedUntil = Date.now() + ms;
    this.#rebuild();
    clearTimeout(e.probe);
    e.probe = setTimeout(() => this.#probe(e), ms);
    e.probe.unref();
  }

  #probe(e: Entry): void {
    e.probe = undefined;
    if (this.#closed) return;
    e.router.checkHealth(Date.now() + this.#ejection.healthCheckTimeoutMs).then(
      (status) => (status === 'SERVING' ? this.#readmit(e) : this.#probeFailed(e, `health check: ${status}`)),
      (err: unknown) => this.#probeFailed(e, `health check: ${(err as Error).message}`),
    );
  }

  #probeFailed(e: Entry, why: string): void {
    if (!this.#closed) this.#backOff(e, why);
  }

  #readmit(e: Entry): void {
    if (this.#closed) return;
    e.ejectedUntil = undefined;
    this.#rebuild();
    this.#watch(e);
  }

  /** Follows an admitted router's serving status; NOT_SERVING or a broken stream ejects it. */
  #watch(e: Entry): void {
    const stop = e.router.watchHealth((status: HealthStatus | 'FAILED' | 'UNIMPLEMENTED') => {
      if (e.stopWatch !== stop) return;
      if (status === 'UNIMPLEMENTED') {
        stop();
        e.stopWatch = undefined;
      } else if (status === 'NOT_SERVING' || status === 'SERVICE_UNKNOWN') {
        this.eject(e.router, `router reports ${status}`);
      } else if (status === 'FAILED') {
        this.eject(e.router, 'health watch stream broke (router unreachable)');
      }
    });
    e.stopWatch = stop;
  }
}
