import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ErrorCode, MAX_LOCK_OWNER_BYTES, RingKvError, abortError, checkSystemName, type Op, type OpResult__Output } from '@ringkv/core';
import { checkSignal, ttlField } from './options.js';
import { u64 } from './results.js';
import type { CallOptions } from './types.js';
import type { LockInfo, LockOptions, RenewOptions } from './coordination-types.js';

/** How lock and queue handles reach the cluster: one operation through the client. */
export interface OpRunner {
  /** Runs one operation (batched with others); rejects with its RingKvError. */
  run(what: string, options: CallOptions, op: Op, idempotent: boolean): Promise<OpResult__Output>;
  /** Runs one operation alone in a unary call whose deadline is `extraMs` longer (a blocking pop). */
  runAlone(what: string, options: CallOptions, extraMs: number, op: Op): Promise<OpResult__Output>;
}

function invalid(message: string): RingKvError {
  return new RingKvError(ErrorCode.INVALID_ARGUMENT, message);
}

export function checkName(name: unknown, what: 'lock' | 'queue'): string {
  const bad = checkSystemName(name, what);
  if (bad) throw invalid(bad);
  return name as string;
}


function defaultOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** Sleeps `ms`, or rejects with the signal's reason when it aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Takes the lock `name` with a lease of `ttlMs`: one atomic conditional write on the lock
 * key's owner shard. A held lock fails with LOCK_HELD at once, or after polling for up to
 * `waitMs` (10 ms, doubling to 200 ms, with jitter).
 */
export async function acquireLock(runner: OpRunner, name: string, options: LockOptions): Promise<Lock> {
  if (options === null || typeof options !== 'object') throw invalid('lock(): options with `ttlMs` are required');
  checkName(name, 'lock');
  const ttl = ttlField(options.ttlMs, 'ttlMs');
  if (ttl === '0') throw invalid('lock(): `ttlMs` (the lease length in milliseconds) is required');
  const { waitMs, autoRenew = false } = options;
  if (waitMs !== undefined && (typeof waitMs !== 'number' || !Number.isFinite(waitMs) || waitMs < 0)) {
    throw invalid(`\`waitMs\` must be a non-negative number of milliseconds, got ${String(waitMs)}`);
  }
  if (typeof autoRenew !== 'boolean') throw invalid('`autoRenew` must be a boolean');
  const owner = options.owner ?? defaultOwner();
  if (typeof owner !== 'string' || Buffer.byteLength(owner) > MAX_LOCK_OWNER_BYTES) {
    throw invalid(`\`owner\` must be a string of at most ${MAX_LOCK_OWNER_BYTES} bytes`);
  }
  const signal = checkSignal(options.signal);
  const call: CallOptions = { ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}), ...(signal ? { signal } : {}) };
  const op: Op = { lock: { name, action: 'ACQUIRE', owner, ttlMs: ttl } };
  const giveUpAt = Date.now() + (waitMs ?? 0);
  for (let attempt = 1; ; attempt++) {
    const sentAt = Date.now();
    try {
      const r = await runner.run('lock', call, op, false);
      return new Lock(runner, name, owner, u64(r.version), Number(ttl), sentAt, autoRenew);
    } catch (err) {
      const e = err as RingKvError;
      if (e.code !== ErrorCode.LOCK_HELD || waitMs === undefined) throw e;
      const left = giveUpAt - Date.now();
      if (left <= 0) throw new RingKvError(ErrorCode.LOCK_HELD, `${e.message} (waited ${waitMs} ms: waitMs)`, { cause: e });
      const base = Math.min(200, 10 * 2 ** Math.min(attempt - 1, 5));
      await sleep(Math.min(left, base / 2 + Math.random() * (base / 2)), signal);
    }
  }
}

/** The state of lock `name`, or undefined if it was never acquired. */
export async function lockStatus(runner: OpRunner, name: string, options: CallOptions): Promise<LockInfo | undefined> {
  checkName(name, 'lock');
  const r = await runner.run('lockStatus', options, { lock: { name, action: 'STATUS' } }, true);
  if (r.version === '0' || !r.version) return undefined;
  return { held: r.found, owner: r.owner, token: u64(r.version), remainingMs: r.found ? Number(r.remainingMs) : 0 };
}

/**
 * A held lock. `token` is its fencing token: it strictly increases from one holder to the
 * next (across lease expiries, migrations of the lock's arc and shard restarts), so a
 * resource that remembers the highest token it has seen and refuses lower ones is safe
 * even from a holder that was paused past its lease.
 *
 * `release()` (or `await using`) frees it; `signal` aborts once the lease is known lost.
 */
export class Lock implements AsyncDisposable {
  /** The lock's name. */
  readonly name: string;
  /** The owner string this handle acquired with. */
  readonly owner: string;
  /** The fencing token: pass it to the resource the lock protects with every write. */
  readonly token: bigint;
  readonly #runner: OpRunner;
  readonly #ttlMs: number;
  readonly #lost = new AbortController();
  #leaseEndMs: number;
  /** When the request that set #leaseEndMs was sent: a renew that overtook another one wins. */
  #leaseSentAtMs: number;
  #released = false;
  #renewTimer: NodeJS.Timeout | undefined;
  #expiryTimer: NodeJS.Timeout | undefined;

  /** @internal Use `client.lock()`. */
  constructor(runner: OpRunner, name: string, owner: string, token: bigint, ttlMs: number, sentAtMs: number, autoRenew: boolean) {
    this.#runner = runner;
    this.name = name;
    this.owner = owner;
    this.token = token;
    this.#ttlMs = ttlMs;
    // The shard started the lease after we sent the request: counting from the send is safe.
    this.#leaseEndMs = sentAtMs + ttlMs;
    this.#leaseSentAtMs = sentAtMs;
    this.#armExpiry();
    if (autoRenew) {
      this.#renewTimer = setInterval(() => void this.#autoRenew(), Math.max(1, Math.floor(ttlMs / 3)));
      this.#renewTimer.unref();
    }
  }

  /**
   * Aborts (with a LOCK_NOT_HELD RingKvError as its reason) once this handle knows the lease
   * is lost: a renewal was refused, or the lease ran out locally before a renewal succeeded.
   */
  get signal(): AbortSignal {
    return this.#lost.signal;
  }

  /** Whether the lease has not ended by this process's clock and the lock was not released. */
  get held(): boolean {
    return !this.#released && !this.#lost.signal.aborted && Date.now() < this.#leaseEndMs;
  }

  /** When the lease ends by this process's clock (ms since the epoch), counted from the request's send. */
  get leaseEndMs(): number {
    return this.#leaseEndMs;
  }

  /** Extends the lease to `ttlMs` from now. LOCK_NOT_HELD if the lease already ended or another holder took it. */
  async renew(options: RenewOptions = {}): Promise<void> {
    if (this.#released) throw new RingKvError(ErrorCode.LOCK_NOT_HELD, `lock "${this.name}" was released by this handle`);
    const ttl = options.ttlMs === undefined ? String(this.#ttlMs) : ttlField(options.ttlMs, 'ttlMs');
    const sentAt = Date.now();
    try {
      await this.#runner.run('lock.renew', options, { lock: { name: this.name, action: 'RENEW', token: this.token.toString(), ttlMs: ttl } }, true);
    } catch (err) {
      if ((err as RingKvError).code === ErrorCode.LOCK_NOT_HELD) this.#markLost(err as RingKvError);
      throw err;
    }
    // The shard set the lease to ttl from when it applied the renew (a shorter ttl shortens it):
    // counting from the send is conservative. Of two renews, the later-sent one is in force.
    if (sentAt >= this.#leaseSentAtMs) {
      this.#leaseSentAtMs = sentAt;
      this.#leaseEndMs = sentAt + Number(ttl);
      this.#armExpiry();
    }
  }

  /** Frees the lock. LOCK_NOT_HELD if the lease had already ended (the lock may be someone else's now). */
  async release(options: CallOptions = {}): Promise<void> {
    if (this.#released) return;
    this.#stopTimers();
    try {
      await this.#runner.run('lock.release', options, { lock: { name: this.name, action: 'RELEASE', token: this.token.toString() } }, false);
    } catch (err) {
      if ((err as RingKvError).code === ErrorCode.LOCK_NOT_HELD) {
        this.#released = true;
        this.#markLost(err as RingKvError);
      }
      throw err;
    }
    this.#released = true;
  }

  /** Releases the lock; a lease that had already ended (LOCK_NOT_HELD) is not an error here. */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.release();
    } catch (err) {
      if ((err as RingKvError).code !== ErrorCode.LOCK_NOT_HELD) throw err;
    }
  }

  async #autoRenew(): Promise<void> {
    if (!this.held) return;
    try {
      await this.renew();
    } catch {
      // LOCK_NOT_HELD marked the lock lost; other failures are retried at the next tick,
      // and the expiry timer marks it lost if none succeeds before the lease ends.
    }
  }

  #armExpiry(): void {
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = setTimeout(() => {
      if (Date.now() >= this.#leaseEndMs) {
        this.#markLost(new RingKvError(ErrorCode.LOCK_NOT_HELD, `the lease of lock "${this.name}" ran out without a renewal`));
      } else this.#armExpiry();
    }, Math.max(0, this.#leaseEndMs - Date.now()));
    this.#expiryTimer.unref();
  }

  #markLost(reason: RingKvError): void {
    this.#stopTimers();
    if (!this.#lost.signal.aborted) this.#lost.abort(reason);
  }

  #stopTimers(): void {
    clearInterval(this.#renewTimer);
    clearTimeout(this.#expiryTimer);
    this.#renewTimer = undefined;
    this.#expiryTimer = undefined;
  }
}
