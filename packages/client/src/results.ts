import { ErrorCode, RingKvError, isErrorCode, type Entry__Output, type OpResult__Output } from '@ringkv/core';
import type { ScanEntry, VersionedValue } from './types.js';

/** The error a per-operation result carries, if any (the one conversion of `errorCode`). */
export function resultError(r: OpResult__Output): RingKvError | undefined {
  if (!r.errorCode) return undefined;
  const message = r.errorMessage || r.errorCode;
  if (!isErrorCode(r.errorCode)) return new RingKvError(ErrorCode.INTERNAL, `unknown error code ${r.errorCode}: ${message}`);
  const epoch = r.epoch && r.epoch !== '0' ? { epoch: BigInt(r.epoch) } : {};
  return new RingKvError(r.errorCode, message, epoch);
}

/** u64 fields arrive as decimal strings (proto-loader `longs: String`). */
export function u64(text: string | undefined): bigint {
  return text ? BigInt(text) : 0n;
}

export function toVersionedValue(r: OpResult__Output): VersionedValue | undefined {
  if (!r.found) return undefined;
  const entry: VersionedValue = { value: r.value, version: u64(r.version) };
  if (r.expiresAtMs && r.expiresAtMs !== '0') entry.expiresAtMs = Number(r.expiresAtMs);
  return entry;
}

export function toScanEntry(e: Entry__Output): ScanEntry {
  return { key: e.key, value: e.value, version: u64(e.version) };
}
