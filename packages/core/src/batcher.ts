import { ErrorCode, RingKvError, asRingKvError } from './errors.js';

export interface BatcherOptions {
  /** Most items in one batch. @default 1024 */
  maxBatchItems?: number;
  /** Most payload bytes in one batch (a single larger item still goes alone). @default 4 MiB */
  maxBatchBytes?: number;
  /** Batches in flight at once; more items wait in the queue (backpressure). @default 8 */
  maxInFlight?: number;
  /** Items allowed to wait; beyond that submit() fails with RESOURCE_EXHAUSTED. @default 100_000 */
  maxQueued?: number;
}

const DEFAULTS: Required<BatcherOptions> = {
  maxBatchItems: 1024,
  maxBatchBytes: 4 * 1024 * 1024,
  maxInFlight: 8,
  maxQueued: 100_000,
};

/**
 * One queued item as the batcher sees it (see `enqueue`). `submit` wraps each item in one;
 * a caller that keeps its own per-operation state can be the entry itself and spare that.
 */
export interface BatchEntry<I, O> {
  /** What `send` gets for this entry. */
  readonly item: I;
  /** A request id that travels with the entry's batch. */
  readonly tag?: string | undefined;
  /** True once the entry wants no result (its call ended): skipped while still queued. */
  readonly cancelled: boolean;
  /**
   * Called at most once: with the entry's result, or with its batch's failure or the close
   * reason. It may come after `cancelled` turned true (the entry was in flight then).
   */
  settle(result: O | undefined, error: RingKvError | undefined): void;
}

/** A submit()ted item: its promise, and the signal that can end it early. */
class Pending<I, O> implements BatchEntry<I, O> {
  cancelled = false;
  onAbort: (() => void) | undefined = undefined;

  constructor(
    readonly item: I,
    readonly tag: string | undefined,
    readonly resolve: (o: O) => void,
    readonly reject: (e: RingKvError) => void,
    readonly signal: AbortSignal | undefined,
  ) {}

  settle(value: O | undefined, err: RingKvError | undefined): void {
    if (this.cancelled) return;
    this.cancelled = true;
    if (this.signal && this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
    if (err) this.reject(err);
    else this.resolve(value as O);
  }
}

/** Most distinct tags handed to `send` with one batch. */
export const MAX_BATCH_TAGS = 64;

/**
 * Coalesces items submitted in the same macrotask into batches (auto-pipelining), with
 * bounded batch size, bounded batches in flight and a bounded queue. `send` gets the items
 * of one batch (and the distinct tags they were submitted with, at most MAX_BATCH_TAGS: the
 * request ids a router passes on to a shard) and resolves to one result per item, in order;
 * if it rejects, every item of that batch fails with the error.
 */
export class Batcher<I, O> {
  readonly #send: (items: I[], tags: string[]) => Promise<O[]>;
  readonly #sizeOf: (item: I) => number;
  readonly #opts: Required<BatcherOptions>;
  #queue: BatchEntry<I, O>[] = [];
  #head = 0;
  #inFlight = 0;
  #scheduled = false;
  #closed: RingKvError | undefined;

  constructor(send: (items: I[], tags: string[]) => Promise<O[]>, sizeOf: (item: I) => number, options: BatcherOptions = {}) {
    this.#send = send;
    this.#sizeOf = sizeOf;
    this.#opts = { ...DEFAULTS, ...options };
  }

  get queued(): number {
    return this.#queue.length - this.#head;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Queues `item`; `tag` (a request id) travels with its batch. */
  submit(item: I, signal?: AbortSignal, tag?: string): Promise<O> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.queued >= this.#opts.maxQueued) return Promise.reject(this.#full());
    return new Promise<O>((resolve, reject) => {
      const p = new Pending<I, O>(item, tag, resolve, reject, signal);
      if (signal) {
        p.onAbort = () => p.settle(undefined, abortError(signal));
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.#queue.push(p);
      this.#schedule();
    });
  }

  /**
   * Queues an entry the caller keeps (no promise, no wrapper): it is settled through
   * `entry.settle`. Throws the close reason once closed, and RESOURCE_EXHAUSTED when
   * `maxQueued` entries are already waiting; neither settles the entry.
   */
  enqueue(entry: BatchEntry<I, O>): void {
    if (this.#closed) throw this.#closed;
    if (this.queued >= this.#opts.maxQueued) throw this.#full();
    this.#queue.push(entry);
    this.#schedule();
  }

  #full(): RingKvError {
    return new RingKvError(ErrorCode.RESOURCE_EXHAUSTED, `more than ${this.#opts.maxQueued} requests queued (maxQueued)`);
  }

  /** Fails everything queued (not what is in flight) and refuses new items. */
  close(reason: RingKvError = new RingKvError(ErrorCode.CLOSED, 'closed')): void {
    this.#closed = reason;
    for (let i = this.#head; i < this.#queue.length; i++) {
      const p = this.#queue[i]!;
      if (!p.cancelled) p.settle(undefined, reason);
    }
    this.#queue = [];
    this.#head = 0;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    while (this.#inFlight < this.#opts.maxInFlight && this.queued > 0) {
      const batch: BatchEntry<I, O>[] = [];
      let bytes = 0;
      while (this.#head < this.#queue.length && batch.length < this.#opts.maxBatchItems) {
        const p = this.#queue[this.#head]!;
        if (p.cancelled) {
          this.#head++;
          continue;
        }
        const size = this.#sizeOf(p.item);
        if (batch.length > 0 && bytes + size > this.#opts.maxBatchBytes) break;
        batch.push(p);
        bytes += size;
        this.#head++;
      }
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      } else if (this.#head > 4096) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      if (batch.length === 0) break;
      void this.#run(batch);
    }
  }

  async #run(batch: BatchEntry<I, O>[]): Promise<void> {
    this.#inFlight++;
    let results: O[] | undefined;
    let failure: RingKvError | undefined;
    try {
      const items = new Array<I>(batch.length);
      for (let i = 0; i < batch.length; i++) items[i] = batch[i]!.item;
      results = await this.#send(items, tagsOf(batch));
      if (results.length !== batch.length) {
        throw new RingKvError(ErrorCode.INTERNAL, `batch of ${batch.length} got ${results.length} results`);
      }
    } catch (err) {
      failure = asRingKvError(err);
    }
    try {
      for (let i = 0; i < batch.length; i++) batch[i]!.settle(failure ? undefined : results![i]!, failure);
    } finally {
      this.#inFlight--;
      if (this.queued > 0) this.#flush();
    }
  }
}

function tagsOf(batch: ReadonlyArray<{ readonly tag?: string | undefined }>): string[] {
  const tags: string[] = [];
  let last: string | undefined;
  for (const p of batch) {
    // Items of one request are mostly adjacent: the `last` check skips the search for them.
    if (p.tag === undefined || p.tag === last) continue;
    last = p.tag;
    if (!tags.includes(p.tag)) tags.push(p.tag);
    if (tags.length >= MAX_BATCH_TAGS) break;
  }
  return tags;
}

export function abortError(signal: AbortSignal): RingKvError {
  const reason: unknown = signal.reason;
  if (reason instanceof RingKvError) return reason;
  return new RingKvError(ErrorCode.CANCELLED, 'the operation was aborted', { cause: reason });
}
