import { hash32 } from './hash.js';

/**
 * Reserved keys: locks and queues keep their records in the ordinary keyspace under keys that
 * start with bytes FF 00 (no UTF-8 string does), so they are placed, fenced, migrated and
 * persisted exactly like user keys. Plain get/put/delete/scan never see them.
 *
 * Layout: FF 00 | kind | name (UTF-8, no NUL) [| 00 | suffix]. The part before the first 00
 * after the kind is a *hash tag*: only it is hashed, so every record of one queue lies on one
 * arc, contiguous in storage, and moves as one.
 */
export const SYSTEM_KEY_PREFIX: Readonly<Buffer> = Buffer.from([0xff, 0x00]);

export const SystemKind = {
  LOCK: 0x4c, // 'L'
  QUEUE: 0x51, // 'Q'
} as const;

/** Queue lanes: a queue's own messages and its dead-letter queue, under one hash tag. */
export const QueueLane = { MAIN: 0x00, DEAD: 0x01 } as const;
export type QueueLane = (typeof QueueLane)[keyof typeof QueueLane];

/** Longest lock or queue name, in UTF-8 bytes. */
export const MAX_SYSTEM_NAME_BYTES = 1024;

export function isSystemKey(key: Uint8Array): boolean {
  return key.length >= 2 && key[0] === 0xff && key[1] === 0x00;
}

/**
 * The ring position of a key: murmur3 of the key bytes, except that reserved keys hash only
 * their tag (see above). Every placement decision goes through this function.
 */
export function keyHash(key: Uint8Array): number {
  if (key.length < 3 || key[0] !== 0xff || key[1] !== 0x00) return hash32(key);
  const end = key.indexOf(0x00, 3);
  return hash32(end < 0 ? key : key.subarray(0, end));
}

function tag(kind: number, name: string): Buffer {
  const n = Buffer.from(name, 'utf8');
  const out = Buffer.allocUnsafe(3 + n.length);
  out[0] = 0xff;
  out[1] = 0x00;
  out[2] = kind;
  n.copy(out, 3);
  return out;
}

/** The key holding a lock's state. */
export function lockKey(name: string): Buffer {
  return tag(SystemKind.LOCK, name);
}

/** The hash tag of a queue: the key its operations are routed by. */
export function queueKey(name: string): Buffer {
  return tag(SystemKind.QUEUE, name);
}

/** The key of one message: tag | 00 | lane | id (u64 BE), so a lane is stored in id order. */
export function queueMessageKey(name: string, lane: QueueLane, id: bigint): Buffer {
  const t = queueKey(name);
  const out = Buffer.allocUnsafe(t.length + 10);
  t.copy(out, 0);
  out[t.length] = 0x00;
  out[t.length + 1] = lane;
  out.writeBigUInt64BE(id, t.length + 2);
  return out;
}

/** User-key bounds [gte, lt) of one lane of a queue. */
export function queueLaneBounds(name: string, lane: QueueLane): { gte: Buffer; lt: Buffer } {
  const t = queueKey(name);
  return { gte: Buffer.concat([t, Buffer.from([0x00, lane])]), lt: Buffer.concat([t, Buffer.from([0x00, lane + 1])]) };
}

/** The message id at the end of a message key. */
export function queueMessageId(key: Buffer): bigint {
  return key.readBigUInt64BE(key.length - 8);
}

/** Why a lock or queue name is unusable, or undefined if it is fine. */
export function checkSystemName(name: unknown, what: 'lock' | 'queue'): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return `${what} name must be a non-empty string`;
  if (name.includes('\u0000')) return `${what} name must not contain NUL characters`;
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_SYSTEM_NAME_BYTES) return `${what} name of ${bytes} bytes exceeds ${MAX_SYSTEM_NAME_BYTES}`;
  return undefined;
}
