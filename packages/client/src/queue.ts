import { ErrorCode, MAX_QUEUE_WAIT_MS, MAX_TTL_MS, QueueLane, RingKvError, type Op, type QueueOp } from '@ringkv/core';
import { valueBytes } from './encoding.js';
import { checkName, type OpRunner } from './lock.js';
import { u64 } from './results.js';
import type { CallOptions, Value } from './types.js';
import type { NackOptions, PopOptions, QueueMessage, QueueOptions, QueueStats } from './coordination-types.js';

export const QUEUE_DEFAULTS = {
  visibilityTimeoutMs: 30_000,
  maxDeliveries: 10,
} as const;

function invalid(message: string): RingKvError {
  return new RingKvError(ErrorCode.INVALID_ARGUMENT, message);
}

function wholeMs(v: number | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw invalid(`\`${name}\` must be a whole number of milliseconds from ${min} to ${max}, got ${String(v)}`);
  }
  return v;
}

/** Receipt = base64url(format 1 | lane | id u64 | version u64 | queue name). */
export function encodeReceipt(name: string, lane: QueueLane, id: bigint, version: bigint): string {
  const n = Buffer.from(name, 'utf8');
  const out = Buffer.allocUnsafe(18 + n.length);
  out[0] = 1;
  out[1] = lane;
  out.writeBigUInt64BE(id, 2);
  out.writeBigUInt64BE(version, 10);
  n.copy(out, 18);
  return out.toString('base64url');
}

export function decodeReceipt(receipt: unknown): { name: string; lane: QueueLane; id: bigint; version: bigint } {
  const bad = () => invalid('not a receipt returned by pop()');
  if (typeof receipt !== 'string' || receipt.length === 0) throw bad();
  const b = Buffer.from(receipt, 'base64url');
  if (b.length < 19 || b[0] !== 1 || (b[1] !== QueueLane.MAIN && b[1] !== QueueLane.DEAD)) throw bad();
  return { lane: b[1] as QueueLane, id: b.readBigUInt64BE(2), version: b.readBigUInt64BE(10), name: b.subarray(18).toString('utf8') };
}

/**
 * A queue with acknowledgement (get it with `client.queue(name)`). Every message of a queue
 * lives on the shard that owns the queue's name, and moves with its arc.
 *
 * - `push()` appends a message; ids increase in push order.
 * - `pop()` delivers the visible message with the lowest id and hides it for
 *   `visibilityTimeoutMs`; unless it is acknowledged by then, it is delivered again
 *   (at-least-once). First deliveries are in push order.
 * - `ack(receipt)` deletes it; `nack(receipt)` makes it visible again (after `delayMs`).
 * - A message already delivered `maxDeliveries` times goes to `deadLetters()` instead.
 */
export class Queue {
  /** The queue's name. */
  readonly name: string;
  /** Whether this handle is the dead-letter queue of `name`. */
  readonly isDeadLetterQueue: boolean;
  readonly #runner: OpRunner;
  readonly #visibilityTimeoutMs: number;
  readonly #maxDeliveries: number;

  /** @internal Use `client.queue()`. */
  constructor(runner: OpRunner, name: string, options: QueueOptions = {}, deadLetters = false) {
    if (options === null || typeof options !== 'object') throw invalid('queue(): options must be an object');
    this.#runner = runner;
    this.name = checkName(name, 'queue');
    this.isDeadLetterQueue = deadLetters;
    this.#visibilityTimeoutMs = wholeMs(options.visibilityTimeoutMs, 'visibilityTimeoutMs', 1, MAX_TTL_MS) ?? QUEUE_DEFAULTS.visibilityTimeoutMs;
    const max = options.maxDeliveries ?? QUEUE_DEFAULTS.maxDeliveries;
    if (max !== Infinity && (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1 || max > 0xffffffff)) {
      throw invalid(`\`maxDeliveries\` must be a whole number from 1 to ${0xffffffff} or Infinity, got ${String(max)}`);
    }
    this.#maxDeliveries = max === Infinity ? 0 : max;
  }

  /** The queue's dead-letter queue: pop, ack and nack its messages like any queue's. */
  deadLetters(): Queue {
    if (this.isDeadLetterQueue) return this;
    return new Queue(this.#runner, this.name, { visibilityTimeoutMs: this.#visibilityTimeoutMs }, true);
  }

  #op(fields: Omit<QueueOp, 'name' | 'deadLetters'>): Op {
    return { queue: { name: this.name, deadLetters: this.isDeadLetterQueue, ...fields } };
  }

  /**
   * Appends a message and resolves to its id. Not retried after UNAVAILABLE (the push may
   * have been applied): retrying yourself may enqueue it twice.
   */
  async push(body: Value, options: CallOptions = {}): Promise<bigint> {
    if (this.isDeadLetterQueue) throw invalid('push() goes to the queue itself, not to its dead-letter queue');
    const r = await this.#runner.run('queue.push', options, this.#op({ action: 'PUSH', body: valueBytes(body, 'body') }), false);
    return u64(r.id);
  }

  /**
   * Delivers the next visible message, or undefined if there is none (after waiting up to
   * `waitMs` for one). The wait may end early when the queue's shard shuts down or the
   * queue's arc moves.
   */
  async pop(options: PopOptions = {}): Promise<QueueMessage | undefined> {
    if (options === null || typeof options !== 'object') throw invalid('pop(): options must be an object');
    const vt = wholeMs(options.visibilityTimeoutMs, 'visibilityTimeoutMs', 1, MAX_TTL_MS) ?? this.#visibilityTimeoutMs;
    const waitMs = wholeMs(options.waitMs, 'waitMs', 0, MAX_QUEUE_WAIT_MS) ?? 0;
    const op = this.#op({
      action: 'POP', visibilityTimeoutMs: String(vt), waitMs: String(waitMs), maxDeliveries: this.#maxDeliveries,
    });
    const r = waitMs > 0
      ? await this.#runner.runAlone('queue.pop', options, waitMs, op)
      : await this.#runner.run('queue.pop', options, op, false);
    if (!r.found) return undefined;
    const id = u64(r.id);
    const lane = this.isDeadLetterQueue ? QueueLane.DEAD : QueueLane.MAIN;
    return { id, body: r.value, receipt: encodeReceipt(this.name, lane, id, u64(r.version)), deliveries: r.deliveries };
  }

  /**
   * Acknowledges a delivery: the message is deleted. STALE_RECEIPT if it was delivered again
   * since (its visibility timeout passed) or is gone: then another consumer has it.
   */
  async ack(receipt: string, options: CallOptions = {}): Promise<void> {
    await this.#settle('ACK', receipt, 0, options);
  }

  /** Gives a delivery back: the message is delivered again after `delayMs`. STALE_RECEIPT as for ack. */
  async nack(receipt: string, options: NackOptions = {}): Promise<void> {
    const delay = wholeMs(options.delayMs, 'delayMs', 0, MAX_TTL_MS) ?? 0;
    await this.#settle('NACK', receipt, delay, options);
  }

  /** Counts of ready, in-flight and dead-lettered messages. */
  async stats(options: CallOptions = {}): Promise<QueueStats> {
    const r = await this.#runner.run('queue.stats', options, this.#op({ action: 'STATS' }), true);
    const s = r.queueStats;
    return {
      ready: Number(s?.ready ?? 0),
      inFlight: Number(s?.inFlight ?? 0),
      deadLetters: Number(s?.deadLetters ?? 0),
      oldestAgeMs: Number(s?.oldestAgeMs ?? 0),
    };
  }

  async #settle(action: 'ACK' | 'NACK', receipt: string, delayMs: number, options: CallOptions): Promise<void> {
    const r = decodeReceipt(receipt);
    const lane = this.isDeadLetterQueue ? QueueLane.DEAD : QueueLane.MAIN;
    if (r.name !== this.name || r.lane !== lane) {
      throw invalid(`the receipt belongs to ${r.lane === QueueLane.DEAD ? 'the dead-letter queue of ' : ''}queue "${r.name}", not this one`);
    }
    // Idempotent: a repeated ack or nack of the same delivery changes nothing more (STALE_RECEIPT).
    await this.#runner.run(`queue.${action.toLowerCase()}`, options,
      this.#op({ action, id: r.id.toString(), version: r.version.toString(), delayMs: String(delayMs) }), false);
  }
}
