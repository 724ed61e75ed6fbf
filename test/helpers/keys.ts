import { randomBytes } from 'node:crypto';
import { hash32 } from '@ringkv/core';

/** A key prefix no other test (or earlier run on the same data) uses. */
export function uniquePrefix(label: string): string {
  return `${label}/${randomBytes(4).toString('hex')}/`;
}

/** Ring order, the order scans return: murmur3 hash of the key bytes, then the key bytes. */
export function compareRingOrder(a: Uint8Array, b: Uint8Array): number {
  const ha = hash32(a);
  const hb = hash32(b);
  if (ha !== hb) return ha < hb ? -1 : 1;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function sortedInRingOrder<T extends Uint8Array>(keys: readonly T[]): T[] {
  return [...keys].sort(compareRingOrder);
}

/** Runs `fn` over `items` with at most `limit` running at once; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}
