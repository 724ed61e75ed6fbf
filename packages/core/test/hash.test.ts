import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hash32, hashString } from '@ringkv/core';

/**
 * A direct transcription of MurmurHash3_x86_32 from Austin Appleby's smhasher (public
 * domain), kept independent of the library under test so the two can be compared.
 */
function referenceMurmur3(data: Uint8Array, seed: number): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const nblocks = data.length >>> 2;
  for (let i = 0; i < nblocks; i++) {
    const o = i * 4;
    let k = data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16) | (data[o + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = nblocks * 4;
  const rest = data.length & 3;
  let k1 = 0;
  if (rest >= 3) k1 ^= data[tail + 2]! << 16;
  if (rest >= 2) k1 ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    k1 ^= data[tail]!;
    k1 = Math.imul(k1, c1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, c2);
    h ^= k1;
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const bytes = (...b: number[]) => Uint8Array.from(b);

// Published MurmurHash3_x86_32 vectors (smhasher's verification set as commonly tabulated),
// with seeds, used to validate the reference implementation above.
const SEEDED_VECTORS: Array<[input: Uint8Array, seed: number, expected: number]> = [
  [bytes(), 0, 0],
  [bytes(), 1, 0x514e28b7],
  [bytes(), 0xffffffff, 0x81f16f39],
  [bytes(0xff, 0xff, 0xff, 0xff), 0, 0x76293b50],
  [bytes(0x21, 0x43, 0x65, 0x87), 0, 0xf55b516b],
  [bytes(0x21, 0x43, 0x65, 0x87), 0x5082edee, 0x2362f9de],
  [bytes(0x21, 0x43, 0x65), 0, 0x7e4a8634],
  [bytes(0x21, 0x43), 0, 0xa0f7b07a],
  [bytes(0x21), 0, 0x72661cf4],
  [bytes(0, 0, 0, 0), 0, 0x2362f9de],
  [bytes(0, 0, 0), 0, 0x85f0b427],
  [bytes(0, 0), 0, 0x30f4c306],
  [bytes(0), 0, 0x514e28b7],
  [utf8('aaaa'), 0x9747b28c, 0x5a97808a],
  [utf8('aaa'), 0x9747b28c, 0x283e0130],
  [utf8('aa'), 0x9747b28c, 0x5d211726],
  [utf8('a'), 0x9747b28c, 0x7fa09ea6],
  [utf8('abcd'), 0x9747b28c, 0xf0478627],
  [utf8('abc'), 0x9747b28c, 0xc84a62dd],
  [utf8('ab'), 0x9747b28c, 0x74875592],
  [utf8('Hello, world!'), 0x9747b28c, 0x24884cba],
  [utf8('The quick brown fox jumps over the lazy dog'), 0x9747b28c, 0x2fa826cd],
];

// Seed-0 vectors: what hash32 must return.
const SEED0_VECTORS: Array<[input: Uint8Array, expected: number]> = [
  [utf8(''), 0],
  [utf8('hello'), 613153351],
  [bytes(0xff, 0xff, 0xff, 0xff), 0x76293b50],
  [bytes(0x21, 0x43, 0x65, 0x87), 0xf55b516b],
  [bytes(0x21, 0x43, 0x65), 0x7e4a8634],
  [bytes(0x21, 0x43), 0xa0f7b07a],
  [bytes(0x21), 0x72661cf4],
  [bytes(0, 0, 0, 0), 0x2362f9de],
  [bytes(0, 0, 0), 0x85f0b427],
  [bytes(0, 0), 0x30f4c306],
  [bytes(0), 0x514e28b7],
];

describe('reference murmur3 (validates the oracle itself)', () => {
  it.each(SEEDED_VECTORS.map(([input, seed, expected]) => ({ input, seed, expected })))(
    'bytes [$input] seed $seed',
    ({ input, seed, expected }) => {
      expect(referenceMurmur3(input, seed)).toBe(expected);
    },
  );
});

describe('hash32', () => {
  it.each(SEED0_VECTORS.map(([input, expected]) => ({ input, expected })))('bytes [$input] -> $expected', ({ input, expected }) => {
    expect(hash32(input)).toBe(expected);
  });

  it("hashes '' to 0 and 'hello' to 613153351", () => {
    expect(hashString('')).toBe(0);
    expect(hashString('hello')).toBe(613153351);
  });

  it('returns an unsigned 32-bit integer', () => {
    // A result with the top bit set must not come back negative.
    expect(hash32(bytes(0x21, 0x43, 0x65, 0x87))).toBe(0xf55b516b);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const v = hash32(b);
        return Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
      }),
    );
  });

  it('agrees with the reference for arbitrary bytes, including non-UTF-8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(hash32(b)).toBe(referenceMurmur3(b, 0));
      }),
      { numRuns: 2000 },
    );
  });

  it('hashes bytes, not a string decoding of them', () => {
    // Invalid UTF-8: lone continuation byte, overlong encoding, truncated sequence.
    const invalid = [bytes(0x80), bytes(0xc0, 0xaf), bytes(0xe2, 0x82), bytes(0xff, 0xfe, 0x00, 0x01, 0x80)];
    for (const b of invalid) {
      expect(hash32(b)).toBe(referenceMurmur3(b, 0));
      // Decoding as UTF-8 would replace the bytes with U+FFFD and hash something else.
      const lossy = utf8(new TextDecoder().decode(b));
      expect(hash32(b)).not.toBe(hash32(lossy));
    }
    expect(hash32(Buffer.from([0x80]))).toBe(hash32(bytes(0x80)));
  });

  it('hashString is hash32 of the UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        expect(hashString(s)).toBe(referenceMurmur3(utf8(s), 0));
      }),
    );
  });
});

describe('keyHash: reserved keys hash their tag only', async () => {
  const { keyHash, lockKey, queueKey, queueMessageKey, QueueLane, isSystemKey } = await import('../src/system-keys.js');
  it('is murmur3 of the whole key for user keys', () => {
    for (const k of ['hello', 'user:1', '\u00ff']) expect(keyHash(Buffer.from(k))).toBe(hash32(Buffer.from(k)));
    expect(keyHash(Buffer.from([0xff]))).toBe(hash32(Buffer.from([0xff])));
  });
  it('puts every message of a queue, in both lanes, at the queue tag position', () => {
    const h = keyHash(queueKey('jobs'));
    expect(h).toBe(hash32(queueKey('jobs')));
    for (const lane of [QueueLane.MAIN, QueueLane.DEAD]) {
      for (const id of [1n, 2n ** 40n, 2n ** 63n]) expect(keyHash(queueMessageKey('jobs', lane, id))).toBe(h);
    }
    expect(keyHash(queueKey('jobs2'))).not.toBe(h);
    expect(isSystemKey(lockKey('x'))).toBe(true);
    expect(isSystemKey(Buffer.from('x'))).toBe(false);
  });
});
