import { ErrorCode, RingKvError, type Op, type OpResult__Output } from '@ringkv/core';
import { AdminApi } from './admin.js';
import { callRegistry, withCall, type CallContext } from './call-context.js';
import { createLoadBalancer } from './load-balancer.js';
import { RouterPool } from './router-pool.js';
import { OpPipeline } from './op-pipeline.js';
import { batchPutOp, deleteOp, getOp, putOp } from './ops.js';
import { checkSignal, checkTimeout, readTarget, resolveClientOptions, type ResolvedClientOptions } from './options.js';
import { resultError, toVersionedValue, u64 } from './results.js';
import { Lock, acquireLock, lockStatus, type OpRunner } from './lock.js';
import { Queue } from './queue.js';
import type { LockInfo, LockOptions, QueueOptions } from './coordination-types.js';
import { callWithRetry } from './retry.js';
import { ScanIterator, scanPage, type ScanFetcher } from './scan.js';
import type { RouterTransport } from './transport.js';
import { GrpcRouterTransport } from './transport-grpc.js';
import type {
  BatchPutEntry,
  CallOptions,
  ClientOptions,
  ClientStatus,
  DeleteOptions,
  Key,
  PutOptions,
  ReadOptions,
  RouterStats,
  ScanIterable,
  ScanOptions,
  ScanPage,
  ScanPageOptions,
  Value,
  VersionedValue,
} from './types.js';

/**
 * A connection to a ringkv cluster through its routers. Create it with
 * `RingKvClient.connect()`, end it with `close()` (or `await using`).
 *
 * Every method returns a promise that rejects with a RingKvError; single-key calls made in
 * the same tick travel to the router together in one batch.
 */
export class RingKvClient implements AsyncDisposable {
  readonly #options: ResolvedClientOptions;
  readonly #pool: RouterPool;
  readonly #pipeline: OpPipeline;
  readonly #calls = callRegistry();
  readonly #admin: AdminApi;
  #status: ClientStatus = 'open';

  private constructor(options: ResolvedClientOptions, routers: RouterTransport[]) {
    this.#options = options;
    this.#pool = new RouterPool(routers, createLoadBalancer(options.loadBalancing), {
      backoffInitialMs: options.ejectionBackoffInitialMs,
      backoffMaxMs: options.ejectionBackoffMaxMs,
      healthCheckTimeoutMs: options.healthCheckTimeoutMs,
    });
    this.#pipeline = new OpPipeline(this.#pool, this.#calls);
    this.#admin = new AdminApi((what, opts, fn, idempotent) =>
      this.#routerCall(what, opts, (ctx) => callWithRetry(this.#pool, ctx, (r) => fn(r, ctx.deadline, ctx.signal), idempotent)),
    );
  }

  /**
   * Connects to the routers and resolves once at least one accepts a connection.
   * Rejects with INVALID_ARGUMENT for bad options, UNAVAILABLE naming the routers when none
   * accepts a connection (a refused connection fails at once; an unanswered one after
   * `connectTimeoutMs`).
   */
  static async connect(options: ClientOptions): Promise<RingKvClient> {
    const resolved = resolveClientOptions(options);
    const routers = resolved.routers.map((address) => new GrpcRouterTransport(address, {
      pipeline: resolved.transport === 'stream', security: resolved.security,
    }));
    const deadline = Date.now() + resolved.connectTimeoutMs;
    const attempts = routers.map((r) => r.connect(deadline, resolved.connectTimeoutMs));
    try {
      await Promise.any(attempts);
    } catch (err) {
      for (const r of routers) r.close();
      const causes = (err instanceof AggregateError ? err.errors : [err]) as RingKvError[];
      if (causes.length === 1) throw causes[0]!;
      throw new RingKvError(ErrorCode.UNAVAILABLE, `cannot reach any router: ${causes.map((c) => c.message).join('; ')}`, {
        cause: err,
      });
    }
    const client = new RingKvClient(resolved, routers);
    // The routers that could not be reached (now or by the connect deadline) start ejected.
    attempts.forEach((a, i) => a.catch((err: RingKvError) => client.#pool.eject(routers[i]!, err.message)));
    return client;
  }

  /** `open` until `close()`, then `closed`. */
  get status(): ClientStatus {
    return this.#status;
  }

  /**
   * Per router, in the order of `routers`: whether it is healthy or ejected (and until when),
   * and what was sent to it. A snapshot; cheap enough to poll.
   */
  routerStats(): RouterStats[] {
    return this.#pool.stats();
  }

  /** Cluster administration: status, the cluster map and membership changes (`admin.addShard()` ...). */
  get admin(): AdminApi {
    return this.#admin;
  }

  /**
   * Takes the lock `name` with a lease of `ttlMs` and resolves to its handle, whose `token`
   * is the fencing token. A lock someone else holds fails with LOCK_HELD, at once or after
   * `waitMs`. Release it with `release()` or `await using`. See README "Locks".
   */
  lock(name: string, options: LockOptions): Promise<Lock> {
    this.#checkOpen();
    return acquireLock(this.#runner, name, options);
  }

  /** Who holds lock `name`, with its token and remaining lease; undefined if it was never taken. */
  lockStatus(name: string, options: CallOptions = {}): Promise<LockInfo | undefined> {
    this.#checkOpen();
    return lockStatus(this.#runner, name, options);
  }

  /** A handle on the queue `name` (nothing is sent until it is used). See README "Queues". */
  queue(name: string, options: QueueOptions = {}): Queue {
    this.#checkOpen();
    return new Queue(this.#runner, name, options);
  }

  readonly #runner: OpRunner = {
    run: (what, options, op, idempotent) => this.#single(what, options, () => op, idempotent),
    runAlone: (what, options, extraMs, op) => {
      const timeoutMs = (checkTimeout(options.timeoutMs) ?? this.#options.timeoutMs) + extraMs;
      return this.#routerCall(what, { ...options, timeoutMs }, (ctx) => callWithRetry(this.#pool, ctx, async (router) => {
        const [result] = await router.execute([op], ctx.deadline, ctx.signal, true);
        const err = result ? resultError(result) : new RingKvError(ErrorCode.INTERNAL, `router ${router.address} answered no result`);
        if (err) throw err;
        return result!;
      }, false));
    },
  };

  /**
   * The value of `key`, or undefined if it does not exist (or has expired). Read from the
   * primary unless `readFrom` (of the call, else of the client) is `'replica'`.
   */
  async get(key: Key, options: ReadOptions = {}): Promise<Buffer | undefined> {
    return (await this.getEntry(key, options))?.value;
  }

  /** The value of `key` with its version and expiry, or undefined if it does not exist. Options as `get()`. */
  async getEntry(key: Key, options: ReadOptions = {}): Promise<VersionedValue | undefined> {
    const result = await this.#single('get', options, () => getOp(key, 'key', readTarget(options, this.#options)), true);
    return toVersionedValue(result);
  }

  /**
   * Writes `value` under `key` and resolves to the new version. With `ifVersion` or
   * `ifAbsent` the write is conditional and fails with CONFLICT when the condition does not
   * hold.
   */
  async put(key: Key, value: Value, options: PutOptions = {}): Promise<bigint> {
    const result = await this.#single('put', options, () => putOp(key, value, options), false);
    return u64(result.version);
  }

  /** Deletes `key`; resolves to true if it existed. With `ifVersion`, CONFLICT when it differs. */
  async delete(key: Key, options: DeleteOptions = {}): Promise<boolean> {
    const result = await this.#single('delete', options, () => deleteOp(key, options), false);
    return result.found;
  }

  /** The values of `keys`, in the same order (undefined for missing keys). `readFrom` as for `get()`, for every key. */
  async batchGet(keys: readonly Key[], options: ReadOptions = {}): Promise<Array<Buffer | undefined>> {
    this.#checkOpen();
    const read = readTarget(options, this.#options);
    const results = await this.#batch('batchGet', options, 'keys', keys, (k, i) => getOp(k, `keys[${i}]`, read), true);
    return results.map((r) => toVersionedValue(r)?.value);
  }

  /**
   * Writes every entry and resolves to their new versions, in order. Entries are applied
   * independently, not atomically: if any fails, the promise rejects with a RingKvError
   * carrying the first failing entry's code, and the other entries may have been applied.
   */
  async batchPut(entries: readonly BatchPutEntry[], options: CallOptions = {}): Promise<bigint[]> {
    const results = await this.#batch('batchPut', options, 'entries', entries, batchPutOp, false);
    return results.map((r) => u64(r.version));
  }

  /**
   * Iterates over every key (or every key under `prefix`) in ring order, fetching pages as
   * it goes. Every key that exists for the whole scan is yielded exactly once; keys written
   * or deleted during it may or may not be. `cursor` resumes it later.
   */
  scan(options: ScanOptions = {}): ScanIterable {
    return new ScanIterator(this.#scanFetcher, options);
  }

  /** One page of a scan: up to `limit` entries and the cursor to continue from. */
  async scanPage(options: ScanPageOptions = {}): Promise<ScanPage> {
    return scanPage(this.#scanFetcher, options);
  }

  /**
   * Closes the connections now. Calls in flight and later calls fail with CLOSED (a write
   * in flight may or may not have been applied). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#status === 'closed') return;
    this.#status = 'closed';
    const reason = new RingKvError(ErrorCode.CLOSED, 'the client was closed');
    this.#pipeline.close(reason);
    this.#calls.drain((call) => call.abort(reason));
    this.#calls.stop();
    this.#pool.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  readonly #scanFetcher: ScanFetcher = (request, options) =>
    this.#routerCall('scan', options, (ctx) =>
      callWithRetry(this.#pool, ctx, (r) => r.scan(request, ctx.deadline, ctx.signal)),
    );

  #checkOpen(): void {
    if (this.#status === 'closed') throw new RingKvError(ErrorCode.CLOSED, 'the client is closed');
  }

  /** Checks state and call options, then runs `fn` inside a CallContext. */
  async #routerCall<T>(what: string, options: CallOptions, fn: (ctx: CallContext) => Promise<T>): Promise<T> {
    this.#checkCall(what, options);
    return withCall(what, this.#timeoutOf(options), checkSignal(options.signal), this.#calls, fn);
  }

  /** Checks state and that `options` is an object. */
  #checkCall(what: string, options: CallOptions): void {
    this.#checkOpen();
    if (options === null || typeof options !== 'object') {
      throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `${what}: options must be an object`);
    }
  }

  #timeoutOf(options: CallOptions): number {
    return checkTimeout(options.timeoutMs) ?? this.#options.timeoutMs;
  }

  async #single(what: string, options: CallOptions, build: () => Op, idempotent: boolean): Promise<OpResult__Output> {
    this.#checkOpen();
    const op = build();
    this.#checkCall(what, options);
    return this.#pipeline.single(what, this.#timeoutOf(options), checkSignal(options.signal), op, idempotent);
  }

  /** Runs many operations under one deadline; rejects with the first failure in input order. */
  async #batch<T>(
    what: string,
    options: CallOptions,
    name: string,
    items: readonly T[],
    build: (item: T, index: number) => Op,
    idempotent: boolean,
  ): Promise<OpResult__Output[]> {
    this.#checkOpen();
    if (!Array.isArray(items)) throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `${what}: \`${name}\` must be an array`);
    const ops = items.map(build);
    if (ops.length === 0) return [];
    this.#checkCall(what, options);
    const outcomes = await this.#pipeline.many(what, this.#timeoutOf(options), checkSignal(options.signal), ops, idempotent);
    let failed = 0;
    let first = -1;
    for (let i = 0; i < outcomes.length; i++) {
      if (!(outcomes[i] instanceof RingKvError)) continue;
      failed++;
      if (first < 0) first = i;
    }
    if (failed > 0) {
      const i = first;
      const err = outcomes[i] as RingKvError;
      const note = idempotent ? '' : ' (the entries that did not fail were applied)';
      throw new RingKvError(
        err.code,
        `${what}: ${failed} of ${ops.length} failed${note}; first ${name}[${i}]: ${err.message}`,
        { cause: err },
      );
    }
    return outcomes as OpResult__Output[];
  }
}
