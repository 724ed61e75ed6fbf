import { connectivityState, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import {
  AdminService,
  CLIENT_CHANNEL_OPTIONS,
  ErrorCode,
  KvService,
  PipelineMux,
  RingKvError,
  abortError,
  fromGrpcError,
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
import type { MembershipChange, RouterTransport } from './transport.js';
import { clientSecurity, type ClientSecurity } from './client-security.js';

type Callback<T> = (err: ServiceError | null, value?: T) => void;

/**
 * A RouterTransport over one gRPC channel per router. Batches go over a long-lived KV.Pipeline
 * stream (id-tagged frames, about 50 us per message) unless `pipeline` is false, in which case
 * each batch is one unary KV.Execute call (about 350 us). Scans and admin calls are unary.
 */
export class GrpcRouterTransport implements RouterTransport {
  readonly address: string;
  readonly #kv: KVClient;
  readonly #admin: AdminClient;
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
  }

  get healthy(): boolean {
    if (this.#closed) return false;
    return this.#kv.getChannel().getConnectivityState(false) !== connectivityState.TRANSIENT_FAILURE;
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
      try {
        return (await this.#mux.send(ops, deadline)).results;
      } catch (err) {
        throw this.#closed ? closedError() : withAddress(err as RingKvError, this.address);
      }
    }
    const res = await this.#unary<{ results: OpResult__Output[] }>(signal, (cb) =>
      this.#kv.execute({ ops }, { deadline }, cb),
    );
    return res.results;
  }

  scan(request: ScanRequest, deadline: number, signal?: AbortSignal): Promise<ScanResponse__Output> {
    return this.#unary(signal, (cb) => this.#kv.scan(request, { deadline }, cb));
  }

  status(deadline: number, signal?: AbortSignal, withoutCounts = false): Promise<StatusResponse__Output> {
    return this.#unary(signal, (cb) => this.#admin.status({ withoutCounts }, { deadline }, cb));
  }

  clusterMap(deadline: number, signal?: AbortSignal): Promise<ClusterMapReply__Output> {
    return this.#unary(signal, (cb) => this.#admin.getClusterMap({}, { deadline }, cb));
  }

  changeMembership(change: MembershipChange, deadline: number, signal?: AbortSignal): Promise<PlanResponse__Output> {
    return this.#unary<PlanResponse__Output>(signal, (cb) => {
      switch (change.method) {
        case 'addShard': return this.#admin.addShard(change.request, { deadline }, cb);
        case 'removeShard': return this.#admin.removeShard(change.request, { deadline }, cb);
        case 'setWeight': return this.#admin.setWeight(change.request, { deadline }, cb);
        case 'rebalance': return this.#admin.rebalance(change.request, { deadline }, cb);
      }
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const call of this.#calls) call.cancel();
    this.#calls.clear();
    this.#mux?.close();
    this.#admin.close();
    this.#kv.close();
  }

  #unary<T>(signal: AbortSignal | undefined, start: (cb: Callback<T>) => ClientUnaryCall): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<T>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const call = start((err, value) => {
        this.#calls.delete(call);
        if (signal && onAbort) signal.removeEventListener('abort', onAbort);
        if (this.#closed) reject(closedError());
        else if (signal?.aborted) reject(abortError(signal));
        else if (err) reject(withAddress(fromGrpcError(err), this.address));
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
