import { setMaxListeners } from 'node:events';
import { ErrorCode, RingKvError, abortError } from '@ringkv/core';

/**
 * The life of one public call: its absolute deadline and one AbortSignal that fires on the
 * deadline (DEADLINE_EXCEEDED), on the caller's signal (CANCELLED) or on client close
 * (CLOSED). Everything the call waits on listens to `signal`, so one `dispose()` releases the
 * timer and the caller's listener whatever happened.
 */
export class CallContext {
  readonly deadline: number;
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #userSignal: AbortSignal | undefined;
  readonly #onUserAbort: (() => void) | undefined;
  readonly #registry: Set<CallContext>;

  constructor(what: string, timeoutMs: number, userSignal: AbortSignal | undefined, registry: Set<CallContext>) {
    this.deadline = Date.now() + timeoutMs;
    this.#registry = registry;
    // A batch call has one listener per operation on this signal.
    setMaxListeners(0, this.#controller.signal);
    this.#timer = setTimeout(() => {
      this.abort(new RingKvError(ErrorCode.DEADLINE_EXCEEDED, `${what} timed out after ${timeoutMs} ms (timeoutMs)`));
    }, timeoutMs);
    this.#userSignal = userSignal;
    if (userSignal) {
      if (userSignal.aborted) this.abort(abortError(userSignal));
      else {
        this.#onUserAbort = () => this.abort(abortError(userSignal));
        userSignal.addEventListener('abort', this.#onUserAbort, { once: true });
      }
    }
    registry.add(this);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Milliseconds left before the deadline (0 when past). */
  get remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  /** Throws the reason if the call has already been aborted. */
  throwIfAborted(): void {
    if (this.signal.aborted) throw abortError(this.signal);
  }

  abort(reason: RingKvError): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  /** Waits `ms`, or rejects with the abort reason as soon as the call is aborted. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.signal.aborted) return reject(abortError(this.signal));
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortError(this.signal));
      };
      const timer = setTimeout(() => {
        this.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  dispose(): void {
    clearTimeout(this.#timer);
    if (this.#userSignal && this.#onUserAbort) this.#userSignal.removeEventListener('abort', this.#onUserAbort);
    this.#registry.delete(this);
  }
}

/** Runs `fn` inside a fresh CallContext and always disposes it. */
export async function withCall<T>(
  what: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  registry: Set<CallContext>,
  fn: (ctx: CallContext) => Promise<T>,
): Promise<T> {
  const ctx = new CallContext(what, timeoutMs, signal, registry);
  try {
    ctx.throwIfAborted();
    return await fn(ctx);
  } finally {
    ctx.dispose();
  }
}
