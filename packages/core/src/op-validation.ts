import type { Op__Output } from './generated/ringkv/v1/Op.js';
import { ErrorCode, RingKvError } from './errors.js';
import { DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES } from './limits.js';

export interface SizeLimits {
  /** @default 4096 */
  maxKeyBytes: number;
  /** @default 4 MiB */
  maxValueBytes: number;
}

export const DEFAULT_LIMITS: SizeLimits = { maxKeyBytes: DEFAULT_MAX_KEY_BYTES, maxValueBytes: DEFAULT_MAX_VALUE_BYTES };

/** Longest TTL accepted: 100 years keeps expiry timestamps far inside u64/double precision. */
export const MAX_TTL_MS = 100 * 365 * 86_400_000;

/** The key an operation touches, or undefined for a malformed op. */
export function keyOfOp(op: Op__Output): Buffer | undefined {
  switch (op.op) {
    case 'get': return op.get?.key;
    case 'put': return op.put?.key;
    case 'delete': return op.delete?.key;
    default: return undefined;
  }
}

/**
 * Checks one operation against the size limits and the protocol's shape. Returns the error
 * for this op (the rest of its batch proceeds) or undefined when it is well formed.
 */
export function validateOp(op: Op__Output, limits: SizeLimits): RingKvError | undefined {
  const key = keyOfOp(op);
  if (key === undefined) return new RingKvError(ErrorCode.INVALID_ARGUMENT, 'operation has no get, put or delete');
  if (key.length === 0) return new RingKvError(ErrorCode.INVALID_ARGUMENT, 'key must not be empty');
  if (key.length > limits.maxKeyBytes) {
    return new RingKvError(ErrorCode.KEY_TOO_LARGE, `key of ${key.length} bytes exceeds maxKeyBytes ${limits.maxKeyBytes}`);
  }
  const condition = op.op === 'put' ? op.put?.condition : op.op === 'delete' ? op.delete?.condition : null;
  if (condition && condition.kind === 'ifAbsent' && condition.ifAbsent !== true) {
    return new RingKvError(ErrorCode.INVALID_ARGUMENT, 'ifAbsent must be true when set');
  }
  if (op.op === 'delete' && condition?.kind === 'ifAbsent') {
    return new RingKvError(ErrorCode.INVALID_ARGUMENT, 'delete takes ifVersion, not ifAbsent');
  }
  if (op.op === 'put') {
    const value = op.put!.value;
    if (value.length > limits.maxValueBytes) {
      return new RingKvError(ErrorCode.VALUE_TOO_LARGE, `value of ${value.length} bytes exceeds maxValueBytes ${limits.maxValueBytes}`);
    }
    const ttl = Number(op.put!.ttlMs);
    if (!Number.isSafeInteger(ttl) || ttl < 0 || ttl > MAX_TTL_MS) {
      return new RingKvError(ErrorCode.INVALID_ARGUMENT, `ttlMs ${op.put!.ttlMs} out of range (0..${MAX_TTL_MS})`);
    }
  }
  return undefined;
}

/** Payload bytes of an op, for batch sizing. */
export function opSize(op: Op__Output): number {
  return (keyOfOp(op)?.length ?? 0) + (op.op === 'put' ? op.put?.value.length ?? 0 : 0) + 16;
}
