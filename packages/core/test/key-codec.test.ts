import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DATA_END,
  DATA_PREFIX,
  META_PREFIX,
  dataKeyAtHash,
  dataRangeOfHashes,
  encodeDataKey,
  hash32,
  hashOfDataKey,
  isDataKey,
  metaKey,
  positionOfKey,
  userKeyOfDataKey,
} from '@ringkv/core';

const key = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b));
const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** Ring order: by murmur3 hash, then by key bytes. */
function ringOrder(a: Buffer, b: Buffer): number {
  const ha = hash32(a);
  const hb = hash32(b);
  if (ha !== hb) return ha < hb ? -1 : 1;
  return Buffer.compare(a, b);
}

describe('key codec', () => {
  it('encodes 0x01 | hash32 big-endian | user key and decodes back', () => {
    fc.assert(
      fc.property(key, (k) => {
        const dk = encodeDataKey(k);
        expect(dk[0]).toBe(DATA_PREFIX);
        expect(dk.readUInt32BE(1)).toBe(hash32(k));
        expect(isDataKey(dk)).toBe(true);
        expect(hashOfDataKey(dk)).toBe(hash32(k));
        expect(userKeyOfDataKey(dk).equals(k)).toBe(true);
        expect(positionOfKey(k).equals(dk.subarray(1))).toBe(true);
      }),
    );
    expect(encodeDataKey(Buffer.from('hello')).toString('hex')).toBe('01' + (613153351).toString(16).padStart(8, '0') + '68656c6c6f');
  });

  it('sorts data keys in ring order (hash, then key bytes)', () => {
    fc.assert(
      fc.property(fc.array(key, { minLength: 2, maxLength: 50 }), (keys) => {
        const byStorage = [...keys].sort((a, b) => Buffer.compare(encodeDataKey(a), encodeDataKey(b)));
        const byRing = [...keys].sort(ringOrder);
        expect(byStorage.map((k) => k.toString('hex'))).toEqual(byRing.map((k) => k.toString('hex')));
      }),
      { numRuns: 300 },
    );
  });

  it('orders keys of equal hash by key bytes (explicit hash)', () => {
    const a = encodeDataKey(Buffer.from('a'), 5);
    const b = encodeDataKey(Buffer.from('b'), 5);
    const ab = encodeDataKey(Buffer.from('ab'), 5);
    const later = encodeDataKey(Buffer.from('a'), 6);
    expect([later, ab, b, a].sort(Buffer.compare)).toEqual([a, ab, b, later]);
  });

  it('keeps metadata keys below every data key', () => {
    const meta = metaKey('cluster-map');
    expect(meta[0]).toBe(META_PREFIX);
    expect(isDataKey(meta)).toBe(false);
    expect(Buffer.compare(meta, encodeDataKey(Buffer.from([0]), 0))).toBeLessThan(0);
    expect(Buffer.compare(meta, dataKeyAtHash(0))).toBeLessThan(0);
  });

  it('dataRangeOfHashes [from, to] holds exactly the keys whose hash is in range', () => {
    fc.assert(
      fc.property(u32, u32, key, fc.integer({ min: -2, max: 2 }), (a, b, k, nudge) => {
        const from = Math.min(a, b);
        const to = Math.max(a, b);
        // Put some hashes right at and next to the bounds.
        const candidates = [from, to, from + nudge, to + nudge].filter((h) => h >= 0 && h <= 0xffffffff);
        const { gte, lt } = dataRangeOfHashes(from, to);
        for (const h of candidates) {
          const dk = encodeDataKey(k, h);
          const inside = Buffer.compare(dk, gte) >= 0 && Buffer.compare(dk, lt) < 0;
          expect(inside).toBe(h >= from && h <= to);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('dataRangeOfHashes bounds at the ends of the hash space', () => {
    const all = dataRangeOfHashes(0, 0xffffffff);
    expect(all.gte.equals(Buffer.from([DATA_PREFIX, 0, 0, 0, 0]))).toBe(true);
    expect(all.lt.equals(DATA_END)).toBe(true);
    const longKey = encodeDataKey(Buffer.alloc(4096, 0xff), 0xffffffff);
    expect(Buffer.compare(longKey, all.lt)).toBeLessThan(0);
    expect(Buffer.compare(encodeDataKey(Buffer.from([0]), 0), all.gte)).toBeGreaterThanOrEqual(0);
    const one = dataRangeOfHashes(7, 7);
    expect(one.gte.equals(dataKeyAtHash(7))).toBe(true);
    expect(one.lt.equals(dataKeyAtHash(8))).toBe(true);
  });
});
