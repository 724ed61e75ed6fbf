import { Batcher, ErrorCode, RingKvError, fromGrpcError, type BatcherOptions, type Op, type OpResult__Output } from '@ringkv/core';
import type { CallContext } from './call-context.js';
import type { RouterPool } from './router-pool.js';
import { resultError } from './results.js';
import { backoffMs, shouldRetry } from './retry.js';
import type { RouterTransport } from './transport.js';

interface QueuedOp {
  op: Op;
  /** The call's absolute deadline; the batch's gRPC deadline is the latest of its items. */
  deadline: number;
  /** Routers that just failed this operation, to be avoided by the batch if possible. */
  avoid: ReadonlySet<RouterTransport> | undefined;
}

/** What one operation got from one attempt: a result, or the whole batch's failure. */
interface Outcome {
  router: RouterTransport;
  result: OpResult__Output | undefined;
  failure: RingKvError | undefined;
}

/** Per-operation overhead counted against the batch byte budget (tags, lengths, condition). */
const OP_OVERHEAD_BYTES = 32;

function sizeOf(q: QueuedOp): number {
  const o = q.op;
  const body = o.get ?? o.put ?? o.delete;
  const key = body?.key as Uint8Array | undefined;
  const value = o.put?.value as Uint8Array | undefined;
  return OP_OVERHEAD_BYTES + (key?.length ?? 0) + (value?.length ?? 0);
}

/**
 * The hot path: single-key operations issued in the same tick share one `execute` call
 * (auto-pipelining through core's Batcher), each operation keeping its own deadline and
 * abort through its CallContext. Retries follow `shouldRetry`.
 */
export class OpPipeline {
  readonly #pool: RouterPool;
  readonly #batcher: Batcher<QueuedOp, Outcome>;

  constructor(pool: RouterPool, options: BatcherOptions = {}) {
    this.#pool = pool;
    // Many frames may be in flight: a frame waiting on a stalled shard must not hold back
    // frames for healthy ones (it is freed by its deadline). Memory is bounded by maxQueued
    // and by the deadlines of what is in flight.
    this.#batcher = new Batcher((items) => this.#send(items), sizeOf, { maxInFlight: 256, ...options });
  }

  /** Runs one operation to a successful result, or rejects with a RingKvError. */
  async run(op: Op, ctx: CallContext, idempotent: boolean): Promise<OpResult__Output> {
    let avoid: Set<RouterTransport> | undefined;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#batcher.submit({ op, deadline: ctx.deadline, avoid }, ctx.signal);
      const err = outcome.failure ?? resultError(outcome.result!);
      if (err === undefined) return outcome.result!;
      if (!shouldRetry(err, idempotent, attempt, this.#pool.size)) throw err;
      if (err.code === ErrorCode.UNAVAILABLE) (avoid ??= new Set()).add(outcome.router);
      else await ctx.sleep(backoffMs(attempt));
    }
  }

  /** Fails queued operations with `reason`; calls in flight end through their CallContext. */
  close(reason: RingKvError): void {
    this.#batcher.close(reason);
  }

  async #send(items: QueuedOp[]): Promise<Outcome[]> {
    let deadline = 0;
    let avoid: Set<RouterTransport> | undefined;
    for (const it of items) {
      if (it.deadline > deadline) deadline = it.deadline;
      if (it.avoid) for (const r of it.avoid) (avoid ??= new Set()).add(r);
    }
    const router = this.#pool.pick(avoid);
    this.#pool.sent(router, items.length);
    try {
      const results = await router.execute(
        items.map((it) => it.op),
        deadline,
      );
      if (results.length !== items.length) {
        throw new RingKvError(ErrorCode.INTERNAL, `router ${router.address} answered ${results.length} results for ${items.length} operations`);
      }
      this.#pool.settled(router, items.length);
      return results.map((result) => ({ router, result, failure: undefined }));
    } catch (err) {
      // A whole-call failure is every item's failure; each item decides on its own retry.
      // A failure of the router itself ejects it before any item retries.
      const failure = fromGrpcError(err);
      this.#pool.settled(router, items.length, failure);
      return items.map(() => ({ router, result: undefined, failure }));
    }
  }
}
