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

interface Pending<I, O> {
  item: I;
  tag: string | undefined;
  size: number;
  resolve: (o: O) => void;
  reject: (e: RingKvError) => void;
  settled: boolean;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
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
  #queue: Pending<I, O>[] = [];
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
    if (this.queued >= this.#opts.maxQueued) {
      return Promise.reject(
        new RingKvError(ErrorCode.RESOURCE_EXHAUSTED, `more than ${this.#opts.maxQueued} requests queued (maxQueued)`),
      );
    }
    return new Promise<O>((resolve, reject) => {
      const p: Pending<I, O> = { item, tag, size: this.#sizeOf(item), resolve, reject, settled: false, signal, onAbort: undefined };
      if (signal) {
        p.onAbort = () => this.#settle(p, undefined, abortError(signal));
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.#queue.push(p);
      this.#schedule();
    });
  }

  /** Fails everything queued (not what is in flight) and refuses new items. */
  close(reason: RingKvError = new RingKvError(ErrorCode.CLOSED, 'closed')): void {
    this.#closed = reason;
    for (let i = this.#head; i < this.#queue.length; i++) this.#settle(this.#queue[i]!, undefined, reason);
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
      const batch: Pending<I, O>[] = [];
      let bytes = 0;
      while (this.#head < this.#queue.length && batch.length < this.#opts.maxBatchItems) {
        const p = this.#queue[this.#head]!;
        if (p.settled) {
          this.#head++;
          continue;
        }
        if (batch.length > 0 && bytes + p.size > this.#opts.maxBatchBytes) break;
        batch.push(p);
        bytes += p.size;
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

  async #run(batch: Pending<I, O>[]): Promise<void> {
    this.#inFlight++;
    try {
      const results = await this.#send(batch.map((p) => p.item), tagsOf(batch));
      if (results.length !== batch.length) {
        throw new RingKvError(ErrorCode.INTERNAL, `batch of ${batch.length} got ${results.length} results`);
      }
      batch.forEach((p, i) => this.#settle(p, results[i]!, undefined));
    } catch (err) {
      const e = asRingKvError(err);
      for (const p of batch) this.#settle(p, undefined, e);
    } finally {
      this.#inFlight--;
      if (this.queued > 0) this.#flush();
    }
  }

  #settle(p: Pending<I, O>, value: O | undefined, err: RingKvError | undefined): void {
    if (p.settled) return;
    p.settled = true;
    if (p.signal && p.onAbort) p.signal.removeEventListener('abort', p.onAbort);
    if (err) p.reject(err);
    else p.resolve(value as O);
  }
}

function tagsOf(batch: ReadonlyArray<{ tag: string | undefined }>): string[] {
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
