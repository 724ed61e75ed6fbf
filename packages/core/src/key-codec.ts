import { keyHash } from './system-keys.js';

/**
 * Storage keys. Data key = 0x01 | hash32 (4 bytes big-endian) | user key, so storage order
 * is ring order and an arc is one contiguous range. Metadata lives under 0x00.
 * A *position* is a data key without its prefix byte: the (hash, key) pair scans order by.
 */
export const META_PREFIX = 0x00;
export const DATA_PREFIX = 0x01;
/** First byte past the data keyspace. */
export const DATA_END = Buffer.from([DATA_PREFIX + 1]);

export function encodeDataKey(userKey: Uint8Array, hash: number = keyHash(userKey)): Buffer {
  const out = Buffer.allocUnsafe(5 + userKey.length);
  out[0] = DATA_PREFIX;
  out.writeUInt32BE(hash, 1);
  out.set(userKey, 5);
  return out;
}

export function isDataKey(storageKey: Uint8Array): boolean {
  return storageKey.length >= 5 && storageKey[0] === DATA_PREFIX;
}

export function hashOfDataKey(storageKey: Buffer): number {
  return storageKey.readUInt32BE(1);
}

export function userKeyOfDataKey(storageKey: Buffer): Buffer {
  return storageKey.subarray(5);
}

/** The storage key at which the data of hash `h` begins. */
export function dataKeyAtHash(h: number): Buffer {
  const out = Buffer.allocUnsafe(5);
  out[0] = DATA_PREFIX;
  out.writeUInt32BE(h, 1);
  return out;
}

/** Storage bounds [gte, lt) holding every key whose hash is in [from, to]. */
export function dataRangeOfHashes(from: number, to: number): { gte: Buffer; lt: Buffer } {
  return { gte: dataKeyAtHash(from), lt: to >= 0xffffffff ? DATA_END : dataKeyAtHash(to + 1) };
}

export function positionOfKey(userKey: Uint8Array, hash: number = keyHash(userKey)): Buffer {
  return encodeDataKey(userKey, hash).subarray(1);
}

export function metaKey(name: string): Buffer {
  return Buffer.concat([Buffer.from([META_PREFIX]), Buffer.from(name, 'utf8')]);
}
