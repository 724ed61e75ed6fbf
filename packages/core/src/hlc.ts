/**
 * A hybrid logical clock packed in a u64: milliseconds since the Unix epoch in the high 48
 * bits, a logical counter in the low 16. now() is strictly increasing; observe() moves the
 * clock past versions seen from elsewhere (ingested records, a persisted high-water mark).
 */
export class HybridLogicalClock {
  static readonly LOGICAL_BITS = 16n;
  #last = 0n;
  readonly #wallMs: () => number;

  constructor(wallMs: () => number = Date.now) {
    this.#wallMs = wallMs;
  }

  now(): bigint {
    const physical = BigInt(Math.floor(this.#wallMs())) << HybridLogicalClock.LOGICAL_BITS;
    this.#last = physical > this.#last ? physical : this.#last + 1n;
    return this.#last;
  }

  observe(version: bigint): void {
    if (version > this.#last) this.#last = version;
  }

  get last(): bigint {
    return this.#last;
  }

  /** The wall-clock milliseconds a version was stamped at. */
  static physicalMs(version: bigint): number {
    return Number(version >> HybridLogicalClock.LOGICAL_BITS);
  }
}
