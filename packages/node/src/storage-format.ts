import { decodeRecord, isLive, metaKey, type OpResult, type RingKvError, type StoredRecord } from '@ringkv/core';

/** Metadata keys under 0x00 (data keys are 0x01 | hash32 | key, see core's key-codec). */
export const NODE_ID_KEY = metaKey('node-id');
export const MAP_KEY = metaKey('cluster-map');
/** Clock high-water mark, written with every batch that stamps versions. */
export const HLC_KEY = metaKey('hlc');
/** Expiry index: 0x00 'x' | expiresAtMs u64 | storage key. */
export const EXPIRY_INDEX = metaKey('x');
/** Tombstone index: 0x00 'g' | deletedAtMs u64 | storage key. */
export const TOMBSTONE_INDEX = metaKey('g');

export function indexKey(prefix: Buffer, ms: number, storageKey: Buffer): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + 8 + storageKey.length);
  prefix.copy(out, 0);
  out.writeBigUInt64BE(BigInt(ms), prefix.length);
  storageKey.copy(out, prefix.length + 8);
  return out;
}

export function indexBound(prefix: Buffer, ms: number): Buffer {
  return indexKey(prefix, ms, Buffer.alloc(0));
}

export function storageKeyOfIndexKey(prefix: Buffer, ik: Buffer): Buffer {
  return ik.subarray(prefix.length + 8);
}

export const OK: OpResult = Object.freeze({
  errorCode: '', errorMessage: '', found: false, version: '0', expiresAtMs: '0', epoch: '0',
}) as OpResult;

export function errorResult(err: RingKvError, epoch: bigint = 0n): OpResult {
  return { ...OK, errorCode: err.code, errorMessage: err.message, epoch: epoch.toString() };
}

export function readResult(raw: Buffer | StoredRecord | undefined, now: number): OpResult {
  if (!raw) return OK;
  const r = Buffer.isBuffer(raw) ? decodeRecord(raw) : raw;
  if (!isLive(r, now)) return OK;
  return { ...OK, found: true, value: r.value, version: r.version.toString(), expiresAtMs: String(r.expiresAtMs) };
}

export function arcKey(arc: { start: number; end: number }): string {
  return `${arc.start}:${arc.end}`;
}
