import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ErrorCode,
  RecordFlag,
  RingKvError,
  decodeRecord,
  encodeRecord,
  isLive,
  recordVersion,
  type StoredRecord,
} from '@ringkv/core';

const U64_MAX = 2n ** 64n - 1n;
const version = fc.bigInt({ min: 0n, max: U64_MAX });
const expiry = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
const value = fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b));

const record: fc.Arbitrary<StoredRecord> = fc.record({ version, tombstone: fc.boolean(), expiresAtMs: expiry, value });

function expectInternal(fn: () => unknown): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(RingKvError);
  expect((thrown as RingKvError).code).toBe(ErrorCode.INTERNAL);
}

describe('record codec', () => {
  it('round trips version, tombstone, expiry and arbitrary value bytes', () => {
    fc.assert(
      fc.property(record, (r) => {
        const buf = encodeRecord(r);
        const back = decodeRecord(buf);
        expect(back.version).toBe(r.version);
        expect(back.tombstone).toBe(r.tombstone);
        expect(back.expiresAtMs).toBe(r.expiresAtMs);
        // A tombstone carries no value.
        expect(Buffer.compare(back.value, r.tombstone ? Buffer.alloc(0) : r.value)).toBe(0);
        expect(recordVersion(buf)).toBe(r.version);
      }),
      { numRuns: 1000 },
    );
  });

  it('has the documented layout: u64 BE version | flags | [u64 BE expiry] | value', () => {
    const plain = encodeRecord({ version: 0x0102030405060708n, tombstone: false, expiresAtMs: 0, value: Buffer.from('hi') });
    expect(plain.toString('hex')).toBe('0102030405060708' + '00' + Buffer.from('hi').toString('hex'));
    const withExpiry = encodeRecord({ version: 1n, tombstone: false, expiresAtMs: 0x1234, value: Buffer.from([0xff]) });
    expect(withExpiry.toString('hex')).toBe('0000000000000001' + '02' + '0000000000001234' + 'ff');
    const tomb = encodeRecord({ version: U64_MAX, tombstone: true, expiresAtMs: 0, value: Buffer.from('ignored') });
    expect(tomb.toString('hex')).toBe('ffffffffffffffff' + '01');
    expect(RecordFlag.TOMBSTONE).toBe(0x01);
    expect(RecordFlag.HAS_EXPIRY).toBe(0x02);
  });

  it('keeps the extremes of the version range', () => {
    for (const v of [0n, 1n, 2n ** 63n, U64_MAX]) {
      expect(decodeRecord(encodeRecord({ version: v, tombstone: false, expiresAtMs: 0, value: Buffer.alloc(0) })).version).toBe(v);
    }
  });

  it('rejects unknown flag bits with INTERNAL', () => {
    fc.assert(
      fc.property(record, fc.integer({ min: 0, max: 255 }).filter((f) => (f & ~0x03) !== 0), (r, flags) => {
        const buf = Buffer.from(encodeRecord(r));
        buf[8] = flags;
        expectInternal(() => decodeRecord(buf));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects short buffers with INTERNAL', () => {
    for (let n = 0; n < 9; n++) {
      expectInternal(() => decodeRecord(Buffer.alloc(n)));
      expectInternal(() => recordVersion(Buffer.alloc(n)));
    }
    // HAS_EXPIRY promises 8 more bytes.
    for (let n = 9; n < 17; n++) {
      const buf = Buffer.alloc(n);
      buf[8] = RecordFlag.HAS_EXPIRY;
      expectInternal(() => decodeRecord(buf));
    }
    const ok = Buffer.alloc(17);
    ok[8] = RecordFlag.HAS_EXPIRY;
    expect(decodeRecord(ok).value.length).toBe(0);
  });

  it('isLive: not a tombstone and not expired', () => {
    const base = { version: 1n, value: Buffer.from('v') };
    expect(isLive({ ...base, tombstone: false, expiresAtMs: 0 }, 1000)).toBe(true);
    expect(isLive({ ...base, tombstone: true, expiresAtMs: 0 }, 1000)).toBe(false);
    expect(isLive({ ...base, tombstone: false, expiresAtMs: 1001 }, 1000)).toBe(true);
    expect(isLive({ ...base, tombstone: false, expiresAtMs: 1000 }, 1000)).toBe(false);
    expect(isLive({ ...base, tombstone: false, expiresAtMs: 999 }, 1000)).toBe(false);
  });
});
