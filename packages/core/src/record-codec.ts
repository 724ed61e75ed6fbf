import { ErrorCode, RingKvError } from './errors.js';

/**
 * Record value = version (u64 BE, HLC) | flags (u8) | [expiresAtMs (u64 BE) if HAS_EXPIRY] | value.
 * A tombstone has the TOMBSTONE flag and an empty value. Unknown flag bits are an error, so a
 * newer format is never silently misread.
 */
export const RecordFlag = {
  TOMBSTONE: 0x01,
  HAS_EXPIRY: 0x02,
} as const;
const KNOWN_FLAGS = RecordFlag.TOMBSTONE | RecordFlag.HAS_EXPIRY;

export interface StoredRecord {
  version: bigint;
  tombstone: boolean;
  /** Absolute expiry, ms since the Unix epoch; 0 = never. */
  expiresAtMs: number;
  value: Buffer;
}

export function encodeRecord(r: StoredRecord): Buffer {
  const hasExpiry = r.expiresAtMs > 0;
  const header = 9 + (hasExpiry ? 8 : 0);
  const value = r.tombstone ? undefined : r.value;
  const out = Buffer.allocUnsafe(header + (value?.length ?? 0));
  out.writeBigUInt64BE(r.version, 0);
  out[8] = (r.tombstone ? RecordFlag.TOMBSTONE : 0) | (hasExpiry ? RecordFlag.HAS_EXPIRY : 0);
  if (hasExpiry) out.writeBigUInt64BE(BigInt(r.expiresAtMs), 9);
  if (value) out.set(value, header);
  return out;
}

export function decodeRecord(buf: Buffer): StoredRecord {
  if (buf.length < 9) throw corrupt(`record of ${buf.length} bytes`);
  const flags = buf[8]!;
  if ((flags & ~KNOWN_FLAGS) !== 0) throw corrupt(`unknown record flags 0x${flags.toString(16)}`);
  const hasExpiry = (flags & RecordFlag.HAS_EXPIRY) !== 0;
  const header = 9 + (hasExpiry ? 8 : 0);
  if (buf.length < header) throw corrupt(`record of ${buf.length} bytes with expiry`);
  const tombstone = (flags & RecordFlag.TOMBSTONE) !== 0;
  return {
    version: buf.readBigUInt64BE(0),
    tombstone,
    expiresAtMs: hasExpiry ? Number(buf.readBigUInt64BE(9)) : 0,
    value: buf.subarray(header),
  };
}

/** Reads only the version, without decoding the rest. */
export function recordVersion(buf: Buffer): bigint {
  if (buf.length < 9) throw corrupt(`record of ${buf.length} bytes`);
  return buf.readBigUInt64BE(0);
}

export function isLive(r: StoredRecord, nowMs: number): boolean {
  return !r.tombstone && (r.expiresAtMs === 0 || r.expiresAtMs > nowMs);
}

function corrupt(what: string): RingKvError {
  return new RingKvError(ErrorCode.INTERNAL, `corrupt record: ${what}`);
}
