import { ErrorCode, MAX_SCAN_LIMIT, RingKvError, formatHostPort, parseHostPort } from '@ringkv/core';
import type { ClientOptions, LoadBalancingPolicy, ReadFrom, ReadOptions, ReplicaSelection } from './types.js';
import { checkToken, clientSecurity, type ClientSecurity } from './client-security.js';

/** ClientOptions after defaults: the one place defaults live. */
export interface ResolvedClientOptions {
  /** Normalised `HOST:PORT` strings, duplicates removed, in the given order. */
  routers: string[];
  /** With a weighted policy, its keys normalised like `routers`. */
  loadBalancing: LoadBalancingPolicy;
  timeoutMs: number;
  connectTimeoutMs: number;
  transport: 'stream' | 'unary';
  ejectionBackoffInitialMs: number;
  ejectionBackoffMaxMs: number;
  healthCheckTimeoutMs: number;
  /** Where reads go unless a call says otherwise. */
  readFrom: ReadFrom;
  /** How replica reads pick a replica unless a call says otherwise. */
  replicaSelection: ReplicaSelection;
  /** Credentials, TLS options and the token interceptor (client-security.ts). */
  security: ClientSecurity;
}

export const CLIENT_DEFAULTS = {
  timeoutMs: 5_000,
  connectTimeoutMs: 3_000,
  loadBalancing: 'round_robin',
  ejectionBackoffInitialMs: 250,
  ejectionBackoffMaxMs: 30_000,
  healthCheckTimeoutMs: 1_000,
  readFrom: 'primary',
  replicaSelection: 'random',
} as const;

/** Entries per scan request unless `pageSize`/`limit` says otherwise. */
export const DEFAULT_SCAN_PAGE_SIZE = 1_000;

/** Largest u64, the range of versions on the wire. */
const MAX_U64 = (1n << 64n) - 1n;

function invalid(message: string): RingKvError {
  return new RingKvError(ErrorCode.INVALID_ARGUMENT, message);
}

export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  if (options === null || typeof options !== 'object') throw invalid('connect() needs an options object with `routers`');
  const { routers } = options;
  if (!Array.isArray(routers) || routers.length === 0) {
    throw invalid('`routers` must be a non-empty array of HOST:PORT strings, for example ["127.0.0.1:7400"]');
  }
  const normalised = [...new Set(routers.map((r) => formatHostPort(parseHostPort(r, 'router address in `routers`'))))];
  const ejectionBackoffInitialMs = checkTimeout(options.ejectionBackoffInitialMs, 'ejectionBackoffInitialMs') ?? CLIENT_DEFAULTS.ejectionBackoffInitialMs;
  const ejectionBackoffMaxMs = checkTimeout(options.ejectionBackoffMaxMs, 'ejectionBackoffMaxMs') ?? CLIENT_DEFAULTS.ejectionBackoffMaxMs;
  if (ejectionBackoffMaxMs < ejectionBackoffInitialMs) {
    throw invalid(`\`ejectionBackoffMaxMs\` (${ejectionBackoffMaxMs}) must be at least \`ejectionBackoffInitialMs\` (${ejectionBackoffInitialMs})`);
  }
  return {
    routers: normalised,
    loadBalancing: checkLoadBalancing(options.loadBalancing, normalised),
    timeoutMs: checkTimeout(options.timeoutMs, 'timeoutMs') ?? CLIENT_DEFAULTS.timeoutMs,
    connectTimeoutMs: checkTimeout(options.connectTimeoutMs, 'connectTimeoutMs') ?? CLIENT_DEFAULTS.connectTimeoutMs,
    transport: checkTransport(options.transport),
    ejectionBackoffInitialMs,
    ejectionBackoffMaxMs,
    healthCheckTimeoutMs: checkTimeout(options.healthCheckTimeoutMs, 'healthCheckTimeoutMs') ?? CLIENT_DEFAULTS.healthCheckTimeoutMs,
    readFrom: checkReadFrom(options.readFrom) ?? CLIENT_DEFAULTS.readFrom,
    replicaSelection: checkReplicaSelection(options.replicaSelection) ?? CLIENT_DEFAULTS.replicaSelection,
    security: clientSecurity(options.tls, checkToken(options.token)),
  };
}

/**
 * 'round_robin', 'random', or `{ weighted }` with a positive finite weight for each of
 * `routers` (keys normalised like them): a router without a weight is an error rather than
 * a silent default, and so is a weight for an address not in `routers`.
 */
function checkLoadBalancing(policy: ClientOptions['loadBalancing'], routers: readonly string[]): LoadBalancingPolicy {
  if (policy === undefined) return CLIENT_DEFAULTS.loadBalancing;
  if (policy === 'round_robin' || policy === 'random') return policy;
  const shape = "`loadBalancing` must be 'round_robin', 'random' or { weighted: { 'HOST:PORT': weight, ... } }";
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) throw invalid(`${shape}, got ${JSON.stringify(policy)}`);
  const extra = Object.keys(policy).filter((k) => k !== 'weighted');
  const weights = (policy as { weighted?: unknown }).weighted;
  if (extra.length > 0 || weights === null || typeof weights !== 'object' || Array.isArray(weights)) {
    throw invalid(`${shape}, got an object with keys ${Object.keys(policy).join(', ') || '(none)'}`);
  }
  const out: Record<string, number> = {};
  for (const [key, weight] of Object.entries(weights as Record<string, unknown>)) {
    const address = formatHostPort(parseHostPort(key, 'router address in `loadBalancing.weighted`'));
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
      throw invalid(`\`loadBalancing.weighted\` weight of ${key} must be a positive finite number, got ${String(weight)}`);
    }
    if (!routers.includes(address)) {
      throw invalid(`\`loadBalancing.weighted\` has a weight for ${key}, which is not in \`routers\` (${routers.join(', ')})`);
    }
    if (address in out) throw invalid(`\`loadBalancing.weighted\` has two weights for ${address}`);
    out[address] = weight;
  }
  const missing = routers.filter((r) => !(r in out));
  if (missing.length > 0) {
    throw invalid(`\`loadBalancing.weighted\` needs a weight for every router in \`routers\`; missing: ${missing.join(', ')}`);
  }
  return { weighted: out };
}

function checkTransport(t: ClientOptions['transport']): 'stream' | 'unary' {
  if (t === undefined) return 'stream';
  if (t !== 'stream' && t !== 'unary') throw invalid(`\`transport\` must be 'stream' or 'unary', got ${String(t)}`);
  return t;
}

const READ_FROM: readonly ReadFrom[] = ['primary', 'replica'];
const REPLICA_SELECTIONS: readonly ReplicaSelection[] = ['random', 'round_robin', 'least_outstanding'];

/** 'primary' or 'replica', or undefined when not given. */
export function checkReadFrom(value: ReadFrom | undefined): ReadFrom | undefined {
  if (value === undefined) return undefined;
  if (!READ_FROM.includes(value)) throw invalid(`\`readFrom\` must be 'primary' or 'replica', got ${describeValue(value)}`);
  return value;
}

/** 'random', 'round_robin' or 'least_outstanding', or undefined when not given. */
export function checkReplicaSelection(value: ReplicaSelection | undefined): ReplicaSelection | undefined {
  if (value === undefined) return undefined;
  if (!REPLICA_SELECTIONS.includes(value)) {
    throw invalid(`\`replicaSelection\` must be 'random', 'round_robin' or 'least_outstanding', got ${describeValue(value)}`);
  }
  return value;
}

/** The GetOp fields of a read to a replica, one object per selection (shared, never changed). */
const REPLICA_READS: Readonly<Record<ReplicaSelection, { readFrom: 'replica'; replicaSelection: ReplicaSelection }>> = Object.freeze({
  random: Object.freeze({ readFrom: 'replica', replicaSelection: 'random' }),
  round_robin: Object.freeze({ readFrom: 'replica', replicaSelection: 'round_robin' }),
  least_outstanding: Object.freeze({ readFrom: 'replica', replicaSelection: 'least_outstanding' }),
} as const);

export type ReadTarget = (typeof REPLICA_READS)[ReplicaSelection];

/**
 * Where one read goes, from its options over the client's: undefined for the primary (the
 * GetOp carries nothing extra), else the GetOp fields of a replica read.
 */
export function readTarget(
  options: ReadOptions | undefined, defaults: Pick<ResolvedClientOptions, 'readFrom' | 'replicaSelection'>,
): ReadTarget | undefined {
  // Not an object: the call's option check refuses it.
  const o: ReadOptions = options !== null && typeof options === 'object' ? options : {};
  const readFrom = checkReadFrom(o.readFrom) ?? defaults.readFrom;
  const selection = checkReplicaSelection(o.replicaSelection) ?? defaults.replicaSelection;
  return readFrom === 'replica' ? REPLICA_READS[selection] : undefined;
}

function describeValue(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/** A positive number of milliseconds, or undefined when not given. */
export function checkTimeout(ms: number | undefined, name = 'timeoutMs'): number | undefined {
  if (ms === undefined) return undefined;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) throw invalid(`\`${name}\` must be a positive number of milliseconds, got ${String(ms)}`);
  return ms;
}

export function checkSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw invalid('`signal` must be an AbortSignal');
  return signal;
}

/** A TTL as the wire wants it: '0' for none. */
export function ttlField(ttlMs: number | undefined, name = 'ttlMs'): string {
  if (ttlMs === undefined) return '0';
  if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw invalid(`\`${name}\` must be a positive whole number of milliseconds, got ${String(ttlMs)}`);
  }
  return String(ttlMs);
}

export function checkVersion(version: bigint | undefined, name = 'ifVersion'): bigint | undefined {
  if (version === undefined) return undefined;
  if (typeof version !== 'bigint' || version < 0n || version > MAX_U64) {
    throw invalid(`\`${name}\` must be a bigint version (0 to 2^64-1) as returned by put() or getEntry()`);
  }
  return version;
}

/** A positive integer count, optionally capped. */
export function checkCount(n: number | undefined, name: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (n === undefined) return undefined;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw invalid(`\`${name}\` must be a whole number from 1 to ${max}, got ${String(n)}`);
  }
  return n;
}

export function checkPageSize(n: number | undefined, name = 'pageSize'): number | undefined {
  return checkCount(n, name, MAX_SCAN_LIMIT);
}
