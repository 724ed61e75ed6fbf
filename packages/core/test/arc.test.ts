import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arcContains, arcRanges, arcSize, formatArc, type Arc } from '@ringkv/core';

const MAX = 0xffffffff;
const u32 = fc.integer({ min: 0, max: MAX });

describe('arc', () => {
  it.each<[Arc, number, boolean]>([
    [{ start: 10, end: 20 }, 10, false],
    [{ start: 10, end: 20 }, 11, true],
    [{ start: 10, end: 20 }, 20, true],
    [{ start: 10, end: 20 }, 21, false],
    [{ start: MAX - 5, end: 5 }, MAX, true],
    [{ start: MAX - 5, end: 5 }, 0, true],
    [{ start: MAX - 5, end: 5 }, 5, true],
    [{ start: MAX - 5, end: 5 }, 6, false],
    [{ start: MAX - 5, end: 5 }, MAX - 5, false],
    [{ start: 7, end: 7 }, 7, true],
    [{ start: 7, end: 7 }, 123456, true],
  ])('arcContains(%o, %d) = %s', (arc, h, want) => {
    expect(arcContains(arc, h)).toBe(want);
  });

  it('sizes: plain, wrapping and whole ring', () => {
    expect(arcSize({ start: 10, end: 20 })).toBe(10);
    expect(arcSize({ start: MAX - 5, end: 5 })).toBe(11); // MAX-4..MAX and 0..5
    expect(arcSize({ start: 3, end: 3 })).toBe(2 ** 32);
    expect(arcSize({ start: MAX, end: 0 })).toBe(1);
  });

  it('ranges are inclusive, non-wrapping and cover exactly the arc', () => {
    expect(arcRanges({ start: 10, end: 20 })).toEqual([[11, 20]]);
    expect(arcRanges({ start: MAX - 5, end: 5 })).toEqual([
      [0, 5],
      [MAX - 4, MAX],
    ]);
    expect(arcRanges({ start: MAX, end: 5 })).toEqual([[0, 5]]);
    expect(arcRanges({ start: 9, end: 9 })).toEqual([[0, MAX]]);
    fc.assert(
      fc.property(u32, u32, u32, (start, end, h) => {
        const arc = { start, end };
        const ranges = arcRanges(arc);
        expect(ranges.reduce((s, [a, b]) => s + (b - a + 1), 0)).toBe(arcSize(arc));
        const inRanges = ranges.some(([a, b]) => h >= a && h <= b);
        expect(inRanges).toBe(arcContains(arc, h));
        for (const [a, b] of ranges) expect(a).toBeLessThanOrEqual(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('formats as (start,end]', () => {
    expect(formatArc({ start: 1, end: 2 })).toBe('(1,2]');
  });
});
