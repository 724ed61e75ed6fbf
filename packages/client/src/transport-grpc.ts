import { Client, Metadata, connectivityState, status as grpcStatus, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import {
  AdminService,
  CLIENT_CHANNEL_OPTIONS,
  CODE_METADATA_KEY,
  ErrorCode,
  KvService,
  PipelineMux,
  RingKvError,
  abortError,
  fromGrpcError,
  isStreamFailure,
  type AdminClient,
  type ClusterMapReply__Output,
  type KVClient,
  type Op,
  type OpResult__Output,
  type PlanResponse__Output,
  type ScanRequest,
  type ScanResponse__Output,
  type StatusResponse__Output,
} from '@ringkv/core';
import { HEALTH_CHECK_PATH, HEALTH_WATCH_PATH, decodeHealthResponse, encodeHealthRequest } from './health-codec.js';
import { markRouterFailure, notSentError } from './router-failure.js';
import type { HealthStatus, MembershipChange, RouterTransport } from './transport.js';
import { clientSecurity, type ClientSecurity } from './client-security.js';

type Callback<T> = (err: ServiceError | null, value?: T) => void;

/**
 * A RouterTransport over one gRPC channel per router. Batches go over a long-lived KV.Pipeline
 * stream (id-tagged frames, about 50 us per message) unless `pipeline` is false, in which case
 * each batch is one unary KV.Execute call (about 350 us). Scans and admin calls are unary.
 *
 * Nothing is handed to grpc-js unless the channel is connected (READY): a request meeting a
 * failed or unreachable router fails with an UNAVAILABLE marked "not sent" (router-failure.ts),
 * which is safe to send elsewhere even for a write. Failures of the router itself (no ringkv
 * code from the server: connection refused or lost, stream broken) are marked as such.
 */
export class GrpcRouterTransport implements RouterTransport {
  readonly address: string;
  readonly #kv: KVClient;
  readonly #admin: AdminClient;
  /** Health checks and watches, on the same channel (grpc.health.v1, hand-encoded). */
  readonly #health: Client;
  readonly #calls = new Set<ClientUnaryCall>();
  readonly #mux: PipelineMux | undefined;
  readonly #tls: boolean;
  #closed = false;

  /** `security`: TLS and token (client-security.ts). @default plaintext, no token */
  constructor(address: string, options: { pipeline?: boolean; security?: ClientSecurity } = {}) {
    this.address = address;
    const security = options.security ?? clientSecurity(undefined, undefined);
    this.#tls = security.tls;
    const channelOptions = { ...CLIENT_CHANNEL_OPTIONS, ...security.channelOptions, interceptors: security.interceptors };
    this.#kv = new KvService(address, security.credentials, channelOptions);
    const kv = this.#kv;
    this.#mux = options.pipeline === false ? undefined : new PipelineMux(() => kv.pipeline(), `router ${address}`);
    // Share the KV client's channel: one connection per router.
    this.#admin = new AdminService(address, security.credentials, {
      ...channelOptions,
      channelOverride: this.#kv.getChannel(),
    });
    this.#health = new Client(address, security.credentials, { ...CLIENT_CHANNEL_OPTIONS, channelOverride: this.#kv.getChannel() });
  }

  connect(deadline: number, timeoutMs = deadline - Date.now()): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    const channel = this.#kv.getChannel();
    return new Promise((resolve, reject) => {
      const unavailable = (why: string) =>
        reject(new RingKvError(ErrorCode.UNAVAILABLE, `cannot reach router ${this.address}: ${why}`));
      const check = () => {
        if (this.#closed) return reject(closedError());
        const state = channel.getConnectivityState(true);
        if (state === connectivityState.READY) return resolve();
        // Like a TCP connect timeout: a refused connection fails now, not at the deadline.
        if (state === connectivityState.TRANSIENT_FAILURE) {
          return unavailable(this.#tls
            ? 'connection failed (is it running, with TLS, and does `tls.ca` hold the CA of its certificate?)'
            : 'connection failed (is it running? does it need TLS: the `tls` option?)');
        }
        if (state === connectivityState.SHUTDOWN) return reject(closedError());
        if (Date.now() >= deadline) return unavailable(`no connection within ${Math.round(timeoutMs)} ms (connectTimeoutMs)`);
        channel.watchConnectivityState(state, deadline, (err) => {
          if (err) unavailable(`no connection within ${Math.round(timeoutMs)} ms (connectTimeoutMs)`);
          else check();
        });
      };
      check();
    });
  }

  async execute(ops: Op[], deadline: number, signal?: AbortSignal, unary = false): Promise<OpResult__Output[]> {
    if (this.#mux && !unary) {
      if (this.#closed) throw closedError();
      if (signal?.aborted) throw abortError(signal);
      await this.#connected(deadline);
      try {
        return (await this.#mux.send(ops, deadline)).results;
      } catch (err) {
        if (this.#closed) throw closedError();
        const e = withAddress(err as RingKvError, this.address);
        throw isStreamFailure(err) ? markRouterFailure(e) : e;
      }
    }
    const res = await this.#unary<{ results: OpResult__Output[] }>(signal, deadline, (cb) =>
      this.#kv.execute({ ops }, { deadline }, cb),
    );
    return res.results;
  }

  scan(request: ScanRequest, deadline: number, signal?: AbortSignal): Promise<ScanResponse__Output> {
    return this.#unary(signal, deadline, (cb) => this.#kv.scan(request, { deadline }, cb));
  }

  status(deadline: number, signal?: AbortSignal, withoutCounts = false): Promise<StatusResponse__Output> {
    return this.#unary(signal, deadline, (cb) => this.#admin.status({ withoutCounts }, { deadline }, cb));
  }

  clusterMap(deadline: number, signal?: AbortSignal): Promise<ClusterMapReply__Output> {
    return this.#unary(signal, deadline, (cb) => this.#admin.getClusterMap({}, { deadline }, cb));
  }

  changeMembership(change: MembershipChange, deadline: number, signal?: AbortSignal): Promise<PlanResponse__Output> {
    return this.#unary<PlanResponse__Output>(signal, deadline, (cb) => {
      switch (change.method) {
        case 'addShard': return this.#admin.addShard(change.request, { deadline }, cb);
        case 'removeShard': return this.#admin.removeShard(change.request, { deadline }, cb);
        case 'setWeight': return this.#admin.setWeight(change.request, { deadline }, cb);
        case 'rebalance': return this.#admin.rebalance(change.request, { deadline }, cb);
        case 'setReplicationFactor': return this.#admin.setReplicationFactor(change.request, { deadline }, cb);
      }
    });
  }

  checkHealth(deadline: number): Promise<HealthStatus> {
    if (this.#closed) return Promise.reject(closedError());
    return new Promise((resolve, reject) => {
      // waitForReady: a probe of an ejected router waits for the channel's reconnection
      // (at most 1 s of backoff) instead of failing on its last failed attempt.
      const call = this.#health.makeUnaryRequest(HEALTH_CHECK_PATH, encodeHealthRequest, decodeHealthResponse, '',
        new Metadata({ waitForReady: true }), { deadline }, (err: ServiceError | null, value?: HealthStatus) => {
          this.#calls.delete(call);
          if (this.#closed) reject(closedError());
          else if (err) reject(withAddress(fromGrpcError(err), this.address));
          else resolve(value ?? 'UNKNOWN');
        });
      this.#calls.add(call);
    });
  }

  watchHealth(listener: (status: HealthStatus | 'FAILED' | 'UNIMPLEMENTED') => void): () => void {
    if (this.#closed) return () => undefined;
    let stopped = false;
    const call = this.#health.makeServerStreamRequest(HEALTH_WATCH_PATH, encodeHealthRequest, decodeHealthResponse, '', {});
    const report = (s: HealthStatus | 'FAILED' | 'UNIMPLEMENTED') => {
      if (!stopped && !this.#closed) listener(s);
    };
    let ended = false;
    const end = (s: 'FAILED' | 'UNIMPLEMENTED') => {
      if (ended) return;
      ended = true;
      report(s);
    };
    call.on('data', (s: HealthStatus) => report(s));
    call.on('error', (err: ServiceError) => end(err.code === grpcStatus.UNIMPLEMENTED ? 'UNIMPLEMENTED' : 'FAILED'));
    // A Watch never ends by itself while the server is up: an end is a server going away.
    call.on('end', () => end('FAILED'));
    return () => {
      if (stopped) return;
      stopped = true;
      call.cancel();
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const call of this.#calls) call.cancel();
    this.#calls.clear();
    this.#mux?.close();
    this.#health.close();
    this.#admin.close();
    this.#kv.close();
  }

  /**
   * Resolves at once when the channel is connected; waits while it connects (an idle channel
   * is asked to); rejects with a "not sent" UNAVAILABLE when the connection attempt failed, and
   * with DEADLINE_EXCEEDED when no connection came before the deadline.
   */
  async #connected(deadline: number): Promise<void> {
    const channel = this.#kv.getChannel();
    for (;;) {
      if (this.#closed) throw closedError();
      const state = channel.getConnectivityState(true);
      if (state === connectivityState.READY) return;
      if (state === connectivityState.TRANSIENT_FAILURE) throw notSentError(this.address, 'connection failed');
      if (state === connectivityState.SHUTDOWN) throw closedError();
      if (Date.now() >= deadline) {
        throw new RingKvError(ErrorCode.DEADLINE_EXCEEDED, `router ${this.address}: no connection before the deadline; the request was not sent`);
      }
      await new Promise<void>((resolve) => channel.watchConnectivityState(state, deadline, () => resolve()));
    }
  }

  async #unary<T>(signal: AbortSignal | undefined, deadline: number, start: (cb: Callback<T>) => ClientUnaryCall): Promise<T> {
    if (this.#closed) throw closedError();
    if (signal?.aborted) throw abortError(signal);
    await this.#connected(deadline);
    if (signal?.aborted) throw abortError(signal);
    return new Promise<T>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const call = start((err, value) => {
        this.#calls.delete(call);
        if (signal && onAbort) signal.removeEventListener('abort', onAbort);
        if (this.#closed) reject(closedError());
        else if (signal?.aborted) reject(abortError(signal));
        else if (err) reject(asFailure(err, this.address));
        else resolve(value as T);
      });
      this.#calls.add(call);
      if (signal) {
        onAbort = () => call.cancel();
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }
}

/**
 * A failed unary call as a RingKvError: UNAVAILABLE without a ringkv code is grpc-js's own
 * (the router was not reached or the connection broke), so a failure of the router; with a
 * code it is the router's answer (for example about a shard that is down).
 */
function asFailure(err: ServiceError, address: string): RingKvError {
  const e = withAddress(fromGrpcError(err), address);
  const answered = (err.metadata?.get(CODE_METADATA_KEY).length ?? 0) > 0;
  return e.code === ErrorCode.UNAVAILABLE && !answered ? markRouterFailure(e) : e;
}

function closedError(): RingKvError {
  return new RingKvError(ErrorCode.CLOSED, 'the client is closed');
}

/** Transport-level failures name the router, so "UNAVAILABLE" says which one. */
function withAddress(err: RingKvError, address: string): RingKvError {
  if (err.code !== ErrorCode.UNAVAILABLE || err.message.includes(address)) return err;
  return new RingKvError(err.code, `router ${address}: ${err.message}`, {
    cause: err.cause ?? err,
    ...(err.epoch !== undefined ? { epoch: err.epoch } : {}),
  });
}
