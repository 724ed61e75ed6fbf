import type { LeaderGuard } from './map-source.js';

/** The router that coordinates (acts for the cluster), as far as this router knows. */
export interface LeaderInfo {
  id: string;
  /** Where its Admin API answers (its advertised address). */
  address: string;
}

/**
 * Who acts for the cluster: exactly one router at a time runs failure detection, failover,
 * catch-up and migrations, and commits their maps. A lone router is always its own leader;
 * routers on etcd elect one (leadership-etcd.ts).
 */
export interface Leadership {
  readonly kind: 'lone' | 'serve-only' | 'etcd';
  /**
   * True while this router may act. On etcd it turns false at this router's own deadline (the
   * time its last successful lease renewal was sent + TTL - margin), whatever etcd3 reports.
   */
  readonly leading: boolean;
  /** The proof a commit carries (etcd compares it in the same transaction). */
  guard(): LeaderGuard | undefined;
  /** The current coordinator, if one is known. */
  leader(): LeaderInfo | undefined;
  /** Called with `leading` each time it changes. */
  onChange(listener: (leading: boolean) => void): void;
  start(): void;
  /** Steps down (a successor takes over at once rather than after the lease runs out). */
  close(): Promise<void>;
}

/** A router without etcd: it coordinates itself, or (`serveOnly`) never does. */
export class LocalLeadership implements Leadership {
  readonly kind: 'lone' | 'serve-only';
  readonly #self: LeaderInfo;
  readonly #listeners: Array<(leading: boolean) => void> = [];
  #started = false;
  #closed = false;

  constructor(self: LeaderInfo, serveOnly = false) {
    this.#self = self;
    this.kind = serveOnly ? 'serve-only' : 'lone';
  }

  get leading(): boolean {
    return this.kind === 'lone' && this.#started && !this.#closed;
  }

  guard(): LeaderGuard | undefined {
    return undefined;
  }

  leader(): LeaderInfo | undefined {
    return this.kind === 'lone' ? this.#self : undefined;
  }

  onChange(listener: (leading: boolean) => void): void {
    this.#listeners.push(listener);
  }

  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    if (this.kind === 'lone') for (const l of this.#listeners) l(true);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    const was = this.leading;
    this.#closed = true;
    if (was) for (const l of this.#listeners) l(false);
  }
}
