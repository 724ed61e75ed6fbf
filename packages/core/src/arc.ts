/**
 * An arc is a half-open interval (start, end] of the 32-bit hash space, read clockwise.
 * start === end means the whole ring; start > end means the arc wraps past 2^32-1 to 0.
 */
export interface Arc {
  start: number;
  end: number;
}

export function arcContains(arc: Arc, hash: number): boolean {
  const { start, end } = arc;
  if (start === end) return true;
  if (start < end) return hash > start && hash <= end;
  return hash > start || hash <= end;
}

/** Number of hash values in the arc. */
export function arcSize(arc: Arc): number {
  if (arc.start === arc.end) return 2 ** 32;
  return arc.start < arc.end ? arc.end - arc.start : 2 ** 32 - arc.start + arc.end;
}

/**
 * The arc as at most two non-wrapping inclusive hash ranges [from, to], in ring order
 * starting at 0, which map onto contiguous storage ranges.
 */
export function arcRanges(arc: Arc): Array<[from: number, to: number]> {
  const { start, end } = arc;
  const MAX = 0xffffffff;
  if (start === end) return [[0, MAX]];
  if (start < end) return [[start + 1, end]];
  const out: Array<[number, number]> = [[0, end]];
  if (start < MAX) out.push([start + 1, MAX]);
  return out;
}

export function formatArc(arc: Arc): string {
  return `(${arc.start},${arc.end}]`;
}
