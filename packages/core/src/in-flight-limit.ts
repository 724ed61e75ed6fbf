import { ErrorCode, RingKvError } from './errors.js';

export interface InFlightLimits {
  /**
   * Operations a server executes at once, over all its calls and streams; more are refused at
   * once with RESOURCE_EXHAUSTED (not applied). @default 100_000
   */
  maxInFlightOps?: number;
  /** Payload bytes (keys, values, message bodies) of those operations. @default 256 MiB */
  maxInFlightBytes?: number;
  /** Operations in flight on one Pipeline stream (one client's connection). @default 50_000 */
  maxStreamInFlightOps?: number;
}

export const DEFAULT_IN_FLIGHT_LIMITS: Required<InFlightLimits> = {
  maxInFlightOps: 100_000,
  maxInFlightBytes: 256 * 1024 * 1024,
  maxStreamInFlightOps: 50_000,
};

/**
 * Admission control for one server: work is admitted while the operations and bytes in flight
 * stay under their caps, and refused with RESOURCE_EXHAUSTED otherwise, so that a slow shard
 * or a flood of clients makes requests fail fast instead of growing memory without bound.
 * One request larger than the byte cap is admitted when nothing else is in flight.
 */
export class InFlightLimiter {
  readonly maxOps: number;
  readonly maxBytes: number;
  #ops = 0;
  #bytes = 0;
  #shed = 0;

  constructor(limits: Pick<InFlightLimits, 'maxInFlightOps' | 'maxInFlightBytes'> = {}) {
    this.maxOps = limits.maxInFlightOps ?? DEFAULT_IN_FLIGHT_LIMITS.maxInFlightOps;
    this.maxBytes = limits.maxInFlightBytes ?? DEFAULT_IN_FLIGHT_LIMITS.maxInFlightBytes;
  }

  get ops(): number {
    return this.#ops;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Operations refused so far. */
  get shed(): number {
    return this.#shed;
  }

  /** Admits the work (then `release` it when answered), or returns the error to answer with. */
  tryAcquire(ops: number, bytes: number): RingKvError | undefined {
    const idle = this.#ops === 0;
    if (!idle && this.#ops + ops > this.maxOps) return this.#refuse(ops, `${this.#ops} operations in flight (maxInFlightOps ${this.maxOps})`);
    if (!idle && this.#bytes + bytes > this.maxBytes) return this.#refuse(ops, `${this.#bytes} bytes in flight (maxInFlightBytes ${this.maxBytes})`);
    this.#ops += ops;
    this.#bytes += bytes;
    return undefined;
  }

  release(ops: number, bytes: number): void {
    this.#ops -= ops;
    this.#bytes -= bytes;
  }

  #refuse(ops: number, why: string): RingKvError {
    this.#shed += ops;
    return new RingKvError(ErrorCode.RESOURCE_EXHAUSTED, `server overloaded: ${why}; nothing was applied, retry after a backoff`);
  }
}
