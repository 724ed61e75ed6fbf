import {
  Etcd3, EtcdAuthenticationFailedError, EtcdPermissionDeniedError, EtcdRoleNotGrantedError, EtcdUserNotFoundError,
  GRPCUnauthenticatedError, GRPCUnavailableError, type IOptions,
} from 'etcd3';
import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, noop } from 'cockatiel';
import { readFileSync } from 'node:fs';
import { ErrorCode, RingKvError } from '@ringkv/core';

/** How a router reaches etcd (README "Control plane on etcd"). */
export interface EtcdOptions {
  /** Client URLs, e.g. `http://127.0.0.1:2379`; https:// with `tls`. */
  endpoints: string[];
  /** The cluster's name: its state lives under `/ringkv/<cluster>/`. @default 'default' */
  cluster?: string;
  /** TLS towards etcd: files of the CA that signed etcd's certificate, and our client certificate and key. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** etcd's own user/password authentication. */
  auth?: { username: string; password: string };
  /** Deadline of each etcd request. @default 2000 */
  requestTimeoutMs?: number;
}

/** The keys of one cluster's control-plane state. */
export interface EtcdKeys {
  prefix: string;
  /** The cluster map: members, plan of a change in progress, replication state. */
  map: string;
  /** The coordinator: created with the elected router's session lease. */
  leader: string;
  /** One key per live router (with its session lease): id, address, the epoch it has seen. */
  routers: string;
}

const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function etcdKeys(cluster = 'default'): EtcdKeys {
  if (!CLUSTER_NAME.test(cluster)) {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `cluster name "${cluster}" must be 1-63 letters, digits, '.', '_' or '-'`);
  }
  const prefix = `/ringkv/${cluster}/`;
  return { prefix, map: `${prefix}map`, leader: `${prefix}leader`, routers: `${prefix}routers/` };
}

export function validateEtcdEndpoints(endpoints: string[]): string[] {
  if (endpoints.length === 0) throw new RingKvError(ErrorCode.INVALID_ARGUMENT, '--etcd needs at least one endpoint, e.g. http://127.0.0.1:2379');
  return endpoints.map((e) => {
    let url: URL;
    try {
      url = new URL(e.includes('://') ? e : `http://${e}`);
    } catch {
      throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `etcd endpoint "${e}" is not a URL like http://HOST:PORT`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.port) {
      throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `etcd endpoint "${e}" must be http(s)://HOST:PORT`);
    }
    return `${url.protocol}//${url.host}`;
  });
}

/**
 * An etcd3 client without etcd3's retries: ringkv's own loops retry, each with its own deadline.
 *
 * With several members, a member that fails a request (or a keepalive or watch stream) is set
 * aside for a second: etcd3 picks a random member per request, and without this every third
 * request would go to a dead member of three, its session keepalives with them, until the
 * session lapsed and the coordinator lost its seat over one member's loss. With one member
 * there is nowhere else to go, so nothing is set aside (a breaker would only delay the first
 * request after etcd comes back). Watches reconnect within a second, not etcd3's 30 s backoff.
 */
export function createEtcdClient(options: EtcdOptions): Etcd3 {
  const hosts = validateEtcdEndpoints(options.endpoints);
  const perHost = hosts.length > 1
    // Only a member that cannot be reached (UNAVAILABLE: refused, reset, no route): a slow
    // answer from a live member under load must not set it aside too, or all can be at once.
    ? () => circuitBreaker(handleWhen((err) => err instanceof GRPCUnavailableError), { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(1) })
    : () => noop;
  const config: IOptions = {
    hosts,
    dialTimeout: options.requestTimeoutMs ?? 2_000,
    faultHandling: {
      host: perHost,
      global: noop,
      // etcd3 1.1 types this as a backoff but calls next() on it, as on its own default (the same class).
      watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1_000 }) as unknown as NonNullable<IOptions['faultHandling']>['watchBackoff'] & object,
    },
    grpcOptions: {
      'grpc.keepalive_time_ms': 5_000,
      'grpc.keepalive_timeout_ms': 2_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
    },
  };
  const tls = options.tls;
  if (tls && (tls.caFile || tls.certFile || tls.keyFile)) {
    if (!tls.caFile) throw new RingKvError(ErrorCode.INVALID_ARGUMENT, '--etcd-ca is needed for TLS towards etcd');
    if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) {
      throw new RingKvError(ErrorCode.INVALID_ARGUMENT, '--etcd-cert and --etcd-key go together');
    }
    const read = (file: string, what: string) => {
      try {
        return readFileSync(file);
      } catch (err) {
        throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `cannot read ${what} ${file}: ${(err as Error).message}`);
      }
    };
    config.credentials = {
      rootCertificate: read(tls.caFile, '--etcd-ca'),
      ...(tls.certFile ? { certChain: read(tls.certFile, '--etcd-cert'), privateKey: read(tls.keyFile!, '--etcd-key') } : {}),
    };
  }
  if (options.auth) config.auth = { username: options.auth.username, password: options.auth.password };
  return new Etcd3(config);
}

/** Call options with a deadline `ms` from now. */
export function within(ms: number): { deadline: Date } {
  return { deadline: new Date(Date.now() + ms) };
}

/**
 * An etcd failure as ringkv reports it: a login etcd refuses is UNAUTHENTICATED, a missing
 * permission PERMISSION_DENIED (both need the operator, not a retry); etcd unreachable is
 * UNAVAILABLE, with what to do.
 */
export function etcdUnavailable(err: unknown, what: string): RingKvError {
  if (err instanceof RingKvError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof EtcdAuthenticationFailedError || err instanceof EtcdUserNotFoundError || err instanceof GRPCUnauthenticatedError
    || /authentication failed|invalid user ID or password/i.test(message)) {
    return new RingKvError(ErrorCode.UNAUTHENTICATED, `etcd: cannot ${what}: etcd refused the login (${message}); check --etcd-user and --etcd-password-file`, { cause: err });
  }
  if (err instanceof EtcdPermissionDeniedError || err instanceof EtcdRoleNotGrantedError) {
    return new RingKvError(ErrorCode.PERMISSION_DENIED, `etcd: cannot ${what}: the etcd user lacks a permission (${message}); grant it read/write on the /ringkv/ prefix`, { cause: err });
  }
  return new RingKvError(ErrorCode.UNAVAILABLE, `etcd: cannot ${what} (${message}); the data path keeps serving on the last map, cluster changes wait for etcd`, { cause: err });
}
