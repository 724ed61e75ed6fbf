import { ErrorCode, MAX_SCAN_LIMIT, RingKvError, formatHostPort, parseHostPort } from '@ringkv/core';
import type { ClientOptions } from './types.js';
import { checkToken, clientSecurity, type ClientSecurity } from './client-security.js';

/** ClientOptions after defaults: the one place defaults live. */
export interface ResolvedClientOptions {
  /** Normalised `HOST:PORT` strings, duplicates removed, in the given order. */
  routers: string[];
  timeoutMs: number;
  connectTimeoutMs: number;
  transport: 'stream' | 'unary';
  /** Credentials, TLS options and the token interceptor (client-security.ts). */
  security: ClientSecurity;
}

export const CLIENT_DEFAULTS = {
  timeoutMs: 5_000,
  connectTimeoutMs: 3_000,
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
  const normalised = routers.map((r) => formatHostPort(parseHostPort(r, 'router address in `routers`')));
  return {
    routers: [...new Set(normalised)],
    timeoutMs: checkTimeout(options.timeoutMs, 'timeoutMs') ?? CLIENT_DEFAULTS.timeoutMs,
    connectTimeoutMs: checkTimeout(options.connectTimeoutMs, 'connectTimeoutMs') ?? CLIENT_DEFAULTS.connectTimeoutMs,
    transport: checkTransport(options.transport),
    security: clientSecurity(options.tls, checkToken(options.token)),
  };
}

function checkTransport(t: ClientOptions['transport']): 'stream' | 'unary' {
  if (t === undefined) return 'stream';
  if (t !== 'stream' && t !== 'unary') throw invalid(`\`transport\` must be 'stream' or 'unary', got ${String(t)}`);
  return t;
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
