import { Batcher, ErrorCode, RingKvError, fromGrpcError, type BatchEntry, type BatcherOptions, type Op, type OpResult__Output } from '@ringkv/core';
import { CallContext, type CallRegistry } from './call-context.js';
import type { RouterPool } from './router-pool.js';
import { resultError } from './results.js';
import { backoffMs, shouldRetry } from './retry.js';
import type { RouterTransport } from './transport.js';

/** Per-operation overhead counted against the batch byte budget (tags, lengths, condition). */
const OP_OVERHEAD_BYTES = 32;

function sizeOf(s: Slot): number {
  const o = s.op;
  const body = o.get ?? o.put ?? o.delete;
  const key = body?.key as Uint8Array | undefined;
  const value = o.put?.value as Uint8Array | undefined;
  return OP_OVERHEAD_BYTES + (key?.length ?? 0) + (value?.length ?? 0);
}

/**
 * One operation of a call, as the batcher holds it (it is its own batch entry): its attempts,
 * the routers to avoid after an UNAVAILABLE, and the router of its last attempt.
 */
interface Slot extends BatchEntry<Slot, OpResult__Output> {
  readonly call: PipelineCall;
  readonly op: Op;
  attempt: number;
  avoid: Set<RouterTransport> | undefined;
  router: RouterTransport | undefined;
  /** The backoff before the next attempt (TRY_AGAIN), while one runs. */
  retry: NodeJS.Timeout | undefined;
  done: boolean;
}

/** A call whose operations go through the pipeline; it settles its own promise. */
abstract class PipelineCall extends CallContext {
  readonly pipeline: OpPipeline;
  readonly idempotent: boolean;

  constructor(pipeline: OpPipeline, what: string, timeoutMs: number, signal: AbortSignal | undefined, idempotent: boolean) {
    super(what, timeoutMs, signal, pipeline.calls);
    this.pipeline = pipeline;
    this.idempotent = idempotent;
  }

  /** `slot` ended: with its result, or with `err` (already passed through `failure()`); no-op for a slot already ended. */
  abstract finish(slot: Slot, result: OpResult__Output | undefined, err: RingKvError | undefined): void;
}

/** A call of one operation (get, put, delete, a lock or queue step): the call is its own slot. */
class SingleCall extends PipelineCall implements Slot {
  readonly op: Op;
  attempt = 1;
  avoid: Set<RouterTransport> | undefined = undefined;
  router: RouterTransport | undefined = undefined;
  retry: NodeJS.Timeout | undefined = undefined;
  done = false;
  readonly promise: Promise<OpResult__Output>;
  #resolve!: (r: OpResult__Output) => void;
  #reject!: (e: RingKvError) => void;

  constructor(pipeline: OpPipeline, what: string, timeoutMs: number, signal: AbortSignal | undefined, op: Op, idempotent: boolean) {
    super(pipeline, what, timeoutMs, signal, idempotent);
    this.op = op;
    this.promise = new Promise<OpResult__Output>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  get call(): PipelineCall {
    return this;
  }

  get item(): Slot {
    return this;
  }

  get cancelled(): boolean {
    return this.done;
  }

  settle(result: OpResult__Output | undefined, error: RingKvError | undefined): void {
    this.pipeline.outcome(this, result, error);
  }

  finish(_slot: Slot, result: OpResult__Output | undefined, err: RingKvError | undefined): void {
    if (this.done) return; // failure() just expired the call: onAbort settled it
    this.done = true;
    this.dispose();
    if (err) this.#reject(err);
    else this.#resolve(result!);
  }

  protected override onAbort(reason: RingKvError): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.retry);
    this.#reject(reason);
  }
}

/** One operation of a BatchCall. */
class BatchSlot implements Slot {
  attempt = 1;
  avoid: Set<RouterTransport> | undefined = undefined;
  router: RouterTransport | undefined = undefined;
  retry: NodeJS.Timeout | undefined = undefined;
  done = false;

  constructor(readonly call: BatchCall, readonly index: number, readonly op: Op) {}

  get item(): Slot {
    return this;
  }

  get cancelled(): boolean {
    return this.done;
  }

  settle(result: OpResult__Output | undefined, error: RingKvError | undefined): void {
    this.call.pipeline.outcome(this, result, error);
  }
}

/** Many operations under one deadline (batchGet, batchPut): resolves once every one has ended. */
class BatchCall extends PipelineCall {
  readonly slots: BatchSlot[];
  readonly outcomes: Array<OpResult__Output | RingKvError>;
  readonly promise: Promise<Array<OpResult__Output | RingKvError>>;
  #left: number;
  #resolve!: (r: Array<OpResult__Output | RingKvError>) => void;

  constructor(pipeline: OpPipeline, what: string, timeoutMs: number, signal: AbortSignal | undefined, ops: readonly Op[], idempotent: boolean) {
    super(pipeline, what, timeoutMs, signal, idempotent);
    this.slots = ops.map((op, i) => new BatchSlot(this, i, op));
    this.outcomes = new Array<OpResult__Output | RingKvError>(ops.length);
    this.#left = ops.length;
    this.promise = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  finish(slot: Slot, result: OpResult__Output | undefined, err: RingKvError | undefined): void {
    const s = slot as BatchSlot;
    if (s.done) return; // failure() just expired the call: onAbort settled the slot
    s.done = true;
    this.outcomes[s.index] = err ?? result!;
    if (--this.#left === 0) {
      this.dispose();
      this.#resolve(this.outcomes);
    }
  }

  protected override onAbort(reason: RingKvError): void {
    for (const s of this.slots) {
      if (s.done) continue;
      clearTimeout(s.retry);
      this.finish(s, undefined, reason);
    }
  }
}

/**
 * The hot path: single-key operations issued in the same tick share one `execute` call
 * (auto-pipelining through core's Batcher). Each call keeps an absolute deadline, expired by
 * the client's one CallRegistry timer; no AbortSignal or timer is made per operation unless
 * the caller passes a signal (one listener) or an operation must back off (TRY_AGAIN).
 * Retries follow `shouldRetry`.
 */
export class OpPipeline {
  readonly calls: CallRegistry;
  readonly #pool: RouterPool;
  readonly #batcher: Batcher<Slot, OpResult__Output>;
  readonly #retry = (slot: Slot): void => {
    slot.retry = undefined;
    if (!slot.done) this.#submit(slot);
  };

  constructor(pool: RouterPool, calls: CallRegistry, options: BatcherOptions = {}) {
    this.#pool = pool;
    this.calls = calls;
    // Many frames may be in flight: a frame waiting on a stalled shard must not hold back
    // frames for healthy ones (it is freed by its deadline). Memory is bounded by maxQueued
    // and by the deadlines of what is in flight.
    this.#batcher = new Batcher((items) => this.#send(items), sizeOf, { maxInFlight: 256, ...options });
  }

  /** Runs one operation to a successful result, or rejects with a RingKvError. */
  single(what: string, timeoutMs: number, signal: AbortSignal | undefined, op: Op, idempotent: boolean): Promise<OpResult__Output> {
    const call = new SingleCall(this, what, timeoutMs, signal, op, idempotent);
    if (call.reason) {
      call.done = true;
      return Promise.reject(call.reason);
    }
    this.#submit(call);
    return call.promise;
  }

  /** Runs every operation under one deadline; resolves to each one's result or error, in order. */
  many(what: string, timeoutMs: number, signal: AbortSignal | undefined, ops: readonly Op[], idempotent: boolean): Promise<Array<OpResult__Output | RingKvError>> {
    const call = new BatchCall(this, what, timeoutMs, signal, ops, idempotent);
    if (call.reason) return Promise.reject(call.reason);
    for (const s of call.slots) this.#submit(s);
    return call.promise;
  }

  /** Fails queued operations with `reason`; calls in flight end when the client aborts them. */
  close(reason: RingKvError): void {
    this.#batcher.close(reason);
  }

  /** What one attempt of `slot` got: a result, or its batch's failure. */
  outcome(slot: Slot, result: OpResult__Output | undefined, failure: RingKvError | undefined): void {
    if (slot.done) return;
    const call = slot.call;
    const err = failure ?? resultError(result!);
    if (err === undefined) return call.finish(slot, result, undefined);
    if (!shouldRetry(err, call.idempotent, slot.attempt, this.#pool.size)) return call.finish(slot, undefined, call.failure(err));
    const attempt = slot.attempt++;
    if (err.code === ErrorCode.UNAVAILABLE) {
      (slot.avoid ??= new Set()).add(slot.router!);
      this.#submit(slot);
    } else {
      slot.retry = setTimeout(this.#retry, backoffMs(attempt), slot);
    }
  }

  #submit(slot: Slot): void {
    try {
      this.#batcher.enqueue(slot);
    } catch (err) {
      // Closed, or too much queued: not retried.
      slot.call.finish(slot, undefined, slot.call.failure(err as RingKvError));
    }
  }

  async #send(items: Slot[]): Promise<OpResult__Output[]> {
    let deadline = 0;
    let avoid: Set<RouterTransport> | undefined;
    const ops = new Array<Op>(items.length);
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      ops[i] = it.op;
      if (it.call.deadline > deadline) deadline = it.call.deadline;
      if (it.avoid) for (const r of it.avoid) (avoid ??= new Set()).add(r);
    }
    const router = this.#pool.pick(avoid);
    for (const it of items) it.router = router;
    this.#pool.sent(router, items.length);
    try {
      const results = await router.execute(ops, deadline);
      if (results.length !== items.length) {
        throw new RingKvError(ErrorCode.INTERNAL, `router ${router.address} answered ${results.length} results for ${items.length} operations`);
      }
      this.#pool.settled(router, items.length);
      return results;
    } catch (err) {
      // A whole-call failure is every item's failure; each item decides on its own retry.
      // A failure of the router itself ejects it before any item retries.
      const failure = fromGrpcError(err);
      this.#pool.settled(router, items.length, failure);
      throw failure;
    }
  }
}
