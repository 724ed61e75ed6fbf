import type { Op__Output } from './generated/ringkv/v1/Op.js';
import { ErrorCode, RingKvError } from './errors.js';
import { DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES } from './limits.js';
import { checkSystemName, isSystemKey, lockKey, queueKey } from './system-keys.js';

export interface SizeLimits {
  /** @default 4096 */
  maxKeyBytes: number;
  /** @default 4 MiB */
  maxValueBytes: number;
}

export const DEFAULT_LIMITS: SizeLimits = { maxKeyBytes: DEFAULT_MAX_KEY_BYTES, maxValueBytes: DEFAULT_MAX_VALUE_BYTES };

/** Longest TTL accepted: 100 years keeps expiry timestamps far inside u64/double precision. */
export const MAX_TTL_MS = 100 * 365 * 86_400_000;

/** Longest a blocking queue pop may wait on the server, in milliseconds. */
export const MAX_QUEUE_WAIT_MS = 20_000;
/** Longest lock owner string, in UTF-8 bytes. */
export const MAX_LOCK_OWNER_BYTES = 256;

/** Where a get may read: `''` and `'primary'` mean the arc's primary (linearizable). */
export const READ_FROM_VALUES = ['', 'primary', 'replica'] as const;
export type ReadFromValue = (typeof READ_FROM_VALUES)[number];

/** How a replica read picks one of the in-sync replicas; `''` means `'random'`. */
export const REPLICA_SELECTION_VALUES = ['', 'random', 'round_robin', 'least_outstanding'] as const;
export type ReplicaSelectionValue = (typeof REPLICA_SELECTION_VALUES)[number];

/** Whether `op` is a get that may be answered by any in-sync replica. */
export function isReplicaRead(op: Op__Output): boolean {
  return op.op === 'get' && op.get?.readFrom === 'replica';
}

/**
 * The key an operation is routed and fenced by, or undefined for a malformed op. Lock and
 * queue operations name a lock or queue; their key is the reserved key derived from it.
 */
export function keyOfOp(op: Op__Output): Buffer | undefined {
  switch (op.op) {
    case 'get': return op.get?.key;
    case 'put': return op.put?.key;
    case 'delete': return op.delete?.key;
    case 'lock': return op.lock && checkSystemName(op.lock.name, 'lock') === undefined ? lockKey(op.lock.name) : undefined;
    case 'queue': return op.queue && checkSystemName(op.queue.name, 'queue') === undefined ? queueKey(op.queue.name) : undefined;
    default: return undefined;
  }
}

/** Whether an operation may wait on the server (a queue pop with `waitMs`): it travels alone. */
export function isBlockingOp(op: Op__Output): boolean {
  return op.op === 'queue' && op.queue?.action === 'POP' && Number(op.queue.waitMs) > 0;
}

function invalid(message: string): RingKvError {
  return new RingKvError(ErrorCode.INVALID_ARGUMENT, message);
}

/** A u64 field (a decimal string on the wire) within [min, max]. */
function inRange(value: string | undefined, min: number, max: number): boolean {
  const n = Number(value ?? '0');
  return Number.isSafeInteger(n) && n >= min && n <= max;
}

function validateLockOp(op: Op__Output): RingKvError | undefined {
  const l = op.lock!;
  const badName = checkSystemName(l.name, 'lock');
  if (badName) return invalid(badName);
  if (l.action === 'ACQUIRE' || l.action === 'RENEW') {
    if (!inRange(l.ttlMs, 1, MAX_TTL_MS)) return invalid(`lock ttlMs ${l.ttlMs} out of range (1..${MAX_TTL_MS})`);
  }
  if (l.action === 'ACQUIRE' && Buffer.byteLength(l.owner, 'utf8') > MAX_LOCK_OWNER_BYTES) {
    return invalid(`lock owner longer than ${MAX_LOCK_OWNER_BYTES} bytes`);
  }
  if ((l.action === 'RENEW' || l.action === 'RELEASE') && (l.token === '0' || !l.token)) {
    return invalid(`lock ${l.action.toLowerCase()} needs the fencing token returned by acquire`);
  }
  return undefined;
}

function validateQueueOp(op: Op__Output, limits: SizeLimits): RingKvError | undefined {
  const q = op.queue!;
  const badName = checkSystemName(q.name, 'queue');
  if (badName) return invalid(badName);
  switch (q.action) {
    case 'PUSH':
      if (q.deadLetters) return invalid('push goes to the queue itself, not to its dead-letter queue');
      if (q.body.length > limits.maxValueBytes) {
        return new RingKvError(ErrorCode.VALUE_TOO_LARGE, `message of ${q.body.length} bytes exceeds maxValueBytes ${limits.maxValueBytes}`);
      }
      return undefined;
    case 'POP':
      if (!inRange(q.visibilityTimeoutMs, 1, MAX_TTL_MS)) return invalid(`visibilityTimeoutMs ${q.visibilityTimeoutMs} out of range (1..${MAX_TTL_MS})`);
      if (!inRange(q.waitMs, 0, MAX_QUEUE_WAIT_MS)) return invalid(`waitMs ${q.waitMs} out of range (0..${MAX_QUEUE_WAIT_MS})`);
      return undefined;
    case 'ACK':
    case 'NACK':
      if (q.id === '0' || q.version === '0') return invalid(`${q.action.toLowerCase()} needs a receipt from pop`);
      if (!inRange(q.delayMs, 0, MAX_TTL_MS)) return invalid(`delayMs ${q.delayMs} out of range (0..${MAX_TTL_MS})`);
      return undefined;
    case 'STATS':
      return undefined;
    default:
      return invalid(`unknown queue action ${String(q.action)}`);
  }
}

/**
 * Checks one operation against the size limits and the protocol's shape. Returns the error
 * for this op (the rest of its batch proceeds) or undefined when it is well formed.
 */
export function validateOp(op: Op__Output, limits: SizeLimits): RingKvError | undefined {
  if (op.op === 'lock') return validateLockOp(op);
  if (op.op === 'queue') return validateQueueOp(op, limits);
  const key = keyOfOp(op);
  if (key === undefined) return new RingKvError(ErrorCode.INVALID_ARGUMENT, 'operation has no get, put, delete, lock or queue');
  if (key.length === 0) return new RingKvError(ErrorCode.INVALID_ARGUMENT, 'key must not be empty');
  if (isSystemKey(key)) {
    return new RingKvError(ErrorCode.INVALID_ARGUMENT, 'keys starting with bytes FF 00 are reserved for locks and queues');
  }
  if (key.length > limits.maxKeyBytes) {
    return new RingKvError(ErrorCode.KEY_TOO_LARGE, `key of ${key.length} bytes exceeds maxKeyBytes ${limits.maxKeyBytes}`);
  }
  if (op.op === 'get') {
    // Strings on the wire: an unknown value is refused rather than read as the default.
    const { readFrom, replicaSelection } = op.get!;
    if (readFrom && readFrom !== 'primary' && readFrom !== 'replica') {
      return new RingKvError(ErrorCode.INVALID_ARGUMENT, `unknown readFrom ${JSON.stringify(readFrom)}: expected "primary" or "replica"`);
    }
    if (replicaSelection && replicaSelection !== 'random' && replicaSelection !== 'round_robin' && replicaSelection !== 'least_outstanding') {
      return new RingKvError(ErrorCode.INVALID_ARGUMENT,
        `unknown replicaSelection ${JSON.stringify(replicaSelection)}: expected "random", "round_robin" or "least_outstanding"`);
    }
    return undefined;
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
  if (op.op === 'lock') return (op.lock?.name.length ?? 0) + (op.lock?.owner.length ?? 0) + 32;
  if (op.op === 'queue') return (op.queue?.name.length ?? 0) + (op.queue?.body.length ?? 0) + 48;
  return (keyOfOp(op)?.length ?? 0) + (op.op === 'put' ? op.put?.value.length ?? 0 : 0) + 16;
}
