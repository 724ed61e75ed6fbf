/**
 * The one list of ringkv error codes. Codes are stable API: messages may change, codes may not.
 */
export const ErrorCode = {
  /** A malformed request: empty key, bad option, unparsable address. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The key is longer than the configured maximum (default 4 KiB). */
  KEY_TOO_LARGE: 'KEY_TOO_LARGE',
  /** The value is longer than the configured maximum (default 4 MiB). */
  VALUE_TOO_LARGE: 'VALUE_TOO_LARGE',
  NOT_FOUND: 'NOT_FOUND',
  /** A conditional write (`ifVersion`, `ifAbsent`) found a different current state. */
  CONFLICT: 'CONFLICT',
  /** The node does not own the key's arc at its epoch; the router refreshes its map and retries. */
  WRONG_OWNER: 'WRONG_OWNER',
  /** A short, retryable refusal (for example an arc hand-off). */
  TRY_AGAIN: 'TRY_AGAIN',
  /** The shard or router that owns the request cannot be reached. */
  UNAVAILABLE: 'UNAVAILABLE',
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  CANCELLED: 'CANCELLED',
  /** Renew or release of a lock by someone who does not hold it (another holder, or the lease expired). */
  LOCK_NOT_HELD: 'LOCK_NOT_HELD',
  /** Acquire of a lock that someone else holds (after `waitMs`, if given). */
  LOCK_HELD: 'LOCK_HELD',
  /** Ack or nack with a receipt that no longer holds: the message was acknowledged, or delivered again, since. */
  STALE_RECEIPT: 'STALE_RECEIPT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  MIGRATION_IN_PROGRESS: 'MIGRATION_IN_PROGRESS',
  /**
   * The cluster map changed under a control-plane change (another commit won, or a node holds a
   * different map at that epoch): nothing was applied; plan again on the new map and retry.
   * Distinct from CONFLICT, which only ever means a conditional write's condition failed.
   */
  MAP_CHANGED: 'MAP_CHANGED',
  UNKNOWN_SHARD: 'UNKNOWN_SHARD',
  /** Too much work queued: shed load rather than grow memory without bound. */
  RESOURCE_EXHAUSTED: 'RESOURCE_EXHAUSTED',
  /** The client or server was closed. */
  CLOSED: 'CLOSED',
  /** A bug or a corrupt record; never expected. */
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.values(ErrorCode));

const CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODE_SET.has(value);
}

/** Codes after which the same request may be sent again, possibly elsewhere. */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.TRY_AGAIN,
  ErrorCode.UNAVAILABLE,
  ErrorCode.WRONG_OWNER,
  ErrorCode.RESOURCE_EXHAUSTED,
]);

export interface RingKvErrorOptions {
  cause?: unknown;
  /** With WRONG_OWNER: the cluster-map epoch of the node that answered. */
  epoch?: bigint;
}

/** Every error ringkv reports. `code` is stable; `message` is for people. */
export class RingKvError extends Error {
  readonly code: ErrorCode;
  readonly epoch?: bigint;

  constructor(code: ErrorCode, message: string, options: RingKvErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RingKvError';
    this.code = code;
    if (options.epoch !== undefined) this.epoch = options.epoch;
  }
}

export function isRetryableError(err: unknown): boolean {
  return err instanceof RingKvError && RETRYABLE_CODES.has(err.code);
}

/** Wraps anything thrown into a RingKvError (INTERNAL unless it already is one). */
export function asRingKvError(err: unknown): RingKvError {
  if (err instanceof RingKvError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RingKvError(ErrorCode.INTERNAL, message, { cause: err });
}
