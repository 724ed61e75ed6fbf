import type { CallOptions } from './types.js';

/** Options of `client.lock()`. */
export interface LockOptions extends CallOptions {
  /**
   * Lease length in milliseconds: the shard frees the lock this long after the last acquire
   * or renew unless it is renewed (by hand, or with `autoRenew`).
   */
  ttlMs: number;
  /**
   * How long to keep trying while someone else holds the lock, in milliseconds. Without it, a
   * held lock fails at once with LOCK_HELD; with it, with LOCK_HELD once the wait is over.
   * @default undefined (fail at once)
   */
  waitMs?: number;
  /**
   * Renew the lease in the background every `ttlMs / 3` until `release()`. If a renewal finds
   * the lock no longer held (or the lease runs out without one), `lock.signal` aborts.
   * @default false
   */
  autoRenew?: boolean;
  /**
   * Who holds the lock, shown by `lockStatus()` and `ringkv lock status` (at most 256 bytes).
   * @default `<hostname>:<pid>:<random>`
   */
  owner?: string;
}

/** Options of `lock.renew()`. */
export interface RenewOptions extends CallOptions {
  /**
   * The new lease length from now, in milliseconds.
   * @default the `ttlMs` the lock was acquired with
   */
  ttlMs?: number;
}

/** A lock as `lockStatus()` reports it. */
export interface LockInfo {
  /** Whether someone holds it now (false once released or once its lease ran out). */
  held: boolean;
  /** The owner string of the last holder. */
  owner: string;
  /** The fencing token of the last acquire. */
  token: bigint;
  /** Milliseconds left on the lease, by the shard's clock (0 when not held). */
  remainingMs: number;
}

/** Options of `client.queue()`: defaults for the calls made through the handle. */
export interface QueueOptions {
  /**
   * How long a popped message stays invisible to other consumers, in milliseconds; if it is
   * not acknowledged by then it is delivered again.
   * @default 30000
   */
  visibilityTimeoutMs?: number;
  /**
   * A message already delivered this many times goes to the dead-letter queue
   * (`queue.deadLetters()`) instead of being delivered again. `Infinity` never dead-letters.
   * @default 10
   */
  maxDeliveries?: number;
}

/** Options of `queue.pop()`. */
export interface PopOptions extends CallOptions {
  /**
   * How long the message stays invisible, in milliseconds (1 to 100 years).
   * @default the queue's `visibilityTimeoutMs` (30000)
   */
  visibilityTimeoutMs?: number;
  /**
   * When no message is visible, wait up to this long (0 to 20000 ms) for one. The call's
   * deadline is `timeoutMs` beyond the wait.
   * @default 0 (answer at once)
   */
  waitMs?: number;
}

/** Options of `queue.nack()`. */
export interface NackOptions extends CallOptions {
  /**
   * Deliver the message again after this long, in milliseconds.
   * @default 0 (at once)
   */
  delayMs?: number;
}

/** One delivery of a message. */
export interface QueueMessage {
  /** The message id, increasing in push order within a queue. */
  id: bigint;
  /** The message body. */
  body: Buffer;
  /** Pass to `ack()` or `nack()`; it is valid until the message is delivered again. */
  receipt: string;
  /** How many times the message has been delivered, this delivery included. */
  deliveries: number;
}

/** Counts of one queue (or of a dead-letter queue). */
export interface QueueStats {
  /** Messages a pop would deliver now. */
  ready: number;
  /** Messages delivered and not yet acknowledged (or nacked with a delay): invisible for now. */
  inFlight: number;
  /** Messages in the queue's dead-letter queue. */
  deadLetters: number;
  /** Age of the oldest message, in milliseconds (0 when empty). */
  oldestAgeMs: number;
}
