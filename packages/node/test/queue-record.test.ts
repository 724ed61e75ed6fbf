import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../src/queue-record.js';

describe('queue message record', () => {
  it('round-trips the header and the body', () => {
    const header = { visibleAtMs: 1_700_000_000_123, deliveries: 7, enqueuedAtMs: 1_699_999_999_999 };
    const value = encodeMessage(header, Buffer.from('hello'));
    expect(decodeMessage(value)).toEqual({ ...header, body: Buffer.from('hello') });
  });

  it('lays the header out as M | 1 | visibleAt u64 | deliveries u32 | enqueuedAt u64 | body', () => {
    const value = encodeMessage({ visibleAtMs: 0x0102, deliveries: 0x03, enqueuedAtMs: 0x0405 }, Buffer.from([0xaa]));
    expect(value.toString('hex')).toBe(['4d', '01', '0000000000000102', '00000003', '0000000000000405', 'aa'].join(''));
  });

  it('keeps an empty body empty', () => {
    const decoded = decodeMessage(encodeMessage({ visibleAtMs: 0, deliveries: 0, enqueuedAtMs: 1 }, Buffer.alloc(0)));
    expect(decoded.body.length).toBe(0);
  });

  it.each([
    ['too short', Buffer.from([0x4d, 0x01, 0x00])],
    ['another magic byte', Buffer.concat([Buffer.from([0x4c]), encodeMessage({ visibleAtMs: 0, deliveries: 0, enqueuedAtMs: 0 }, Buffer.alloc(0)).subarray(1)])],
    ['an unknown format', Buffer.concat([Buffer.from([0x4d, 0x02]), encodeMessage({ visibleAtMs: 0, deliveries: 0, enqueuedAtMs: 0 }, Buffer.alloc(0)).subarray(2)])],
  ])('refuses a corrupt record (%s) with INTERNAL', (_name, value) => {
    expect(() => decodeMessage(value)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});
