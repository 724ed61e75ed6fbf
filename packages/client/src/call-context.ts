import { DeadlineList, ErrorCode, RingKvError, abortError, type DeadlineEntry } from '@ringkv/core';

/**
 * Every call of one client in progress, by deadline: one timer for the whole client expires
 * them (DEADLINE_EXCEEDED), and close() aborts what is left.
 */
export type CallRegistry = DeadlineList<CallContext>;

export function callRegistry(): CallRegistry {
  return new DeadlineList<CallContext>((call) => call.expire());
}

/**
 * The life of one public call: its absolute deadline, and the reason it ended early: the
 * deadline (DEADLINE_EXCEEDED), the caller's signal (CANCELLED) or client close (CLOSED).
 *
 * Nothing per call is armed on the hot path: the deadline is an entry of the client's
 * CallRegistry, the caller's signal (only when one is passed) gets this object as its one
 * listener, and whatever waits on the call hears of an abort through `onAbort` (the
 * pipeline's calls) or through `signal`, an AbortSignal made only when something asks for it
 * (the unary transport calls of scans and admin).
 */
export class CallContext implements DeadlineEntry {
  readonly what: string;
  readonly timeoutMs: number;
  readonly deadline: number;
  prevByDeadline: DeadlineEntry | undefined = undefined;
  nextByDeadline: DeadlineEntry | undefined = undefined;
  #reason: RingKvError | undefined;
  #controller: AbortController | undefined;
  readonly #userSignal: AbortSignal | undefined;
  readonly #registry: CallRegistry;

  constructor(what: string, timeoutMs: number, userSignal: AbortSignal | undefined, registry: CallRegistry) {
    this.what = what;
    this.timeoutMs = timeoutMs;
    this.deadline = Date.now() + timeoutMs;
    this.#registry = registry;
    this.#userSignal = userSignal;
    if (userSignal?.aborted) {
      // Ended before it began: nothing waits on it yet, so no onAbort.
      this.#reason = abortError(userSignal);
      return;
    }
    registry.add(this);
    userSignal?.addEventListener('abort', this, { once: true });
  }

  /** The reason the call ended early, once it has. */
  get reason(): RingKvError | undefined {
    return this.#reason;
  }

  /** An AbortSignal that aborts with the call (made on first use: the unary transport's). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#reason) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Milliseconds left before the deadline (0 when past). */
  get remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  /** Throws the reason if the call has already ended early. */
  throwIfAborted(): void {
    if (this.#reason) throw this.#reason;
  }

  /** Ends the call early with `reason` (the first reason wins). */
  abort(reason: RingKvError): void {
    if (this.#reason) return;
    this.#reason = reason;
    this.dispose();
    this.#controller?.abort(reason);
    this.onAbort(reason);
  }

  /** The call's deadline passed. */
  expire(): void {
    this.abort(new RingKvError(ErrorCode.DEADLINE_EXCEEDED, `${this.what} timed out after ${this.timeoutMs} ms (timeoutMs)`));
  }

  /**
   * What a failure of the call is reported as: the reason if it ended early, its own
   * DEADLINE_EXCEEDED once the deadline has passed (whatever failed at that moment, as when
   * the timer fires first), else `err`.
   */
  failure(err: RingKvError): RingKvError {
    if (!this.#reason && Date.now() >= this.deadline) this.expire();
    return this.#reason ?? err;
  }

  /** The caller's signal aborted. */
  handleEvent(): void {
    this.abort(abortError(this.#userSignal!));
  }

  /** Waits `ms`, or rejects with the reason as soon as the call ends early (cold paths: retries of scans, admin). */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#reason) return reject(this.#reason);
      const signal = this.signal;
      const onAbort = () => {
        clearTimeout(timer);
        reject(this.#reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Releases the deadline entry and the caller's listener; idempotent. */
  dispose(): void {
    this.#registry.delete(this);
    this.#userSignal?.removeEventListener('abort', this);
  }

  /** Told once when the call ends early (subclasses fail what they wait on). */
  protected onAbort(_reason: RingKvError): void {}
}

/** Runs `fn` inside a fresh CallContext and always disposes it. */
export async function withCall<T>(
  what: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  registry: CallRegistry,
  fn: (ctx: CallContext) => Promise<T>,
): Promise<T> {
  const ctx = new CallContext(what, timeoutMs, signal, registry);
  try {
    ctx.throwIfAborted();
    return await fn(ctx);
  } catch (err) {
    throw err instanceof RingKvError ? ctx.failure(err) : err;
  } finally {
    ctx.dispose();
  }
}
