import { ErrorCode, RingKvError } from '@ringkv/core';

/**
 * Where a scan stands: the router's cursor for the page being read and, when the caller
 * stopped inside that page, the last key it was given. Resuming asks the router for that
 * page again and skips the entries up to that key: they come in ring order, so skipping is
 * exact however the page changed in between.
 */
export interface ScanPosition {
  routerCursor: Buffer;
  lastKey: Buffer | undefined;
}

export const START_POSITION: ScanPosition = Object.freeze({ routerCursor: Buffer.alloc(0), lastKey: undefined });

// Layout: version (1) | flags (1, bit 0 = has last key) | cursor length (u32 BE) | cursor | last key
const VERSION = 1;
const HEADER = 6;

export function encodeScanCursor(p: ScanPosition): string {
  const head = Buffer.alloc(HEADER);
  head[0] = VERSION;
  head[1] = p.lastKey ? 1 : 0;
  head.writeUInt32BE(p.routerCursor.length, 2);
  return Buffer.concat([head, p.routerCursor, p.lastKey ?? Buffer.alloc(0)]).toString('base64url');
}

export function decodeScanCursor(text: string, name = 'cursor'): ScanPosition {
  const bad = () => new RingKvError(ErrorCode.INVALID_ARGUMENT, `\`${name}\` is not a cursor returned by scan() or scanPage()`);
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad();
  const b = Buffer.from(text, 'base64url');
  if (b.length < HEADER || b[0] !== VERSION || (b[1]! & ~1) !== 0) throw bad();
  const len = b.readUInt32BE(2);
  if (HEADER + len > b.length) throw bad();
  const hasLast = b[1] === 1;
  if (!hasLast && HEADER + len !== b.length) throw bad();
  return {
    routerCursor: b.subarray(HEADER, HEADER + len),
    lastKey: hasLast ? b.subarray(HEADER + len) : undefined,
  };
}
