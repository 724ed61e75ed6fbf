import { ErrorCode, RingKvError, positionOfKey, type Entry__Output, type ScanResponse__Output } from '@ringkv/core';
import { toBytes } from './encoding.js';
import { DEFAULT_SCAN_PAGE_SIZE, checkCount, checkPageSize, checkSignal, checkTimeout } from './options.js';
import { toScanEntry } from './results.js';
import { START_POSITION, decodeScanCursor, encodeScanCursor, type ScanPosition } from './scan-cursor.js';
import type { CallOptions, ScanEntry, ScanIterable, ScanOptions, ScanPage, ScanPageOptions } from './types.js';

/** One KV.Scan request to some router, within its own deadline; provided by the client. */
export type ScanFetcher = (
  request: { cursor: Buffer; prefix: Buffer; limit: number },
  options: CallOptions,
) => Promise<ScanResponse__Output>;

interface ScanParams {
  prefix: Buffer;
  start: ScanPosition;
  limit: number;
  pageSize: number;
  call: CallOptions;
}

function scanParams(options: ScanOptions & ScanPageOptions, limitIsPage: boolean): ScanParams {
  if (options === null || typeof options !== 'object') {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, 'scan options must be an object');
  }
  const prefix = options.prefix === undefined ? Buffer.alloc(0) : toBytes(options.prefix, 'prefix');
  const start = options.cursor === undefined ? START_POSITION : decodeScanCursor(options.cursor);
  const limit = limitIsPage ? checkPageSize(options.limit, 'limit') : checkCount(options.limit, 'limit');
  const pageSize = limitIsPage ? limit : checkPageSize(options.pageSize);
  const call: CallOptions = {};
  const timeoutMs = checkTimeout(options.timeoutMs);
  const signal = checkSignal(options.signal);
  if (timeoutMs !== undefined) call.timeoutMs = timeoutMs;
  if (signal !== undefined) call.signal = signal;
  return {
    prefix,
    start,
    limit: limit ?? (limitIsPage ? DEFAULT_SCAN_PAGE_SIZE : Infinity),
    pageSize: pageSize ?? DEFAULT_SCAN_PAGE_SIZE,
    call,
  };
}

/** Drops the leading entries at or before `lastKey`: those the caller already has. */
function skipSeen(entries: Entry__Output[], lastKey: Buffer | undefined): Entry__Output[] {
  if (!lastKey) return entries;
  const last = positionOfKey(lastKey);
  let i = 0;
  while (i < entries.length && Buffer.compare(positionOfKey(entries[i]!.key), last) <= 0) i++;
  return i === 0 ? entries : entries.slice(i);
}

/** After a page: the next page's start, or undefined when the ring is done. */
function afterPage(page: ScanResponse__Output, asked: Buffer): ScanPosition | undefined {
  if (page.done) return undefined;
  if (page.entries.length === 0 && page.cursor.equals(asked)) {
    // Would loop forever: a router bug, not a condition to wait out.
    throw new RingKvError(ErrorCode.INTERNAL, 'the router returned an empty scan page without advancing its cursor');
  }
  return { routerCursor: page.cursor, lastKey: undefined };
}

/** `scanPage()`: one request, entries in ring order, and where to go on. */
export async function scanPage(fetch: ScanFetcher, options: ScanPageOptions): Promise<ScanPage> {
  const p = scanParams(options, true);
  const page = await fetch({ cursor: p.start.routerCursor, prefix: p.prefix, limit: p.limit }, p.call);
  const entries = skipSeen(page.entries, p.start.lastKey).map(toScanEntry);
  const next = afterPage(page, p.start.routerCursor);
  return { entries, cursor: next ? encodeScanCursor(next) : undefined };
}

/**
 * `scan()`: pages fetched one at a time as the caller iterates (nothing is prefetched, so
 * breaking out of the loop leaves no request, timer or listener behind). Single use.
 */
export class ScanIterator implements ScanIterable {
  readonly #fetch: ScanFetcher;
  readonly #params: ScanParams;
  #position: ScanPosition | undefined;
  #started = false;

  constructor(fetch: ScanFetcher, options: ScanOptions) {
    this.#fetch = fetch;
    this.#params = scanParams(options, false);
    this.#position = this.#params.start;
  }

  get cursor(): string | undefined {
    return this.#position ? encodeScanCursor(this.#position) : undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<ScanEntry> {
    if (this.#started) throw new TypeError('a scan can be iterated only once; start another with scan({ cursor })');
    this.#started = true;
    return this.#iterate();
  }

  async *#iterate(): AsyncGenerator<ScanEntry, void, undefined> {
    const { prefix, pageSize, call } = this.#params;
    let remaining = this.#params.limit;
    while (this.#position && remaining > 0) {
      const at = this.#position;
      const page = await this.#fetch({ cursor: at.routerCursor, prefix, limit: Math.min(pageSize, remaining) }, call);
      const next = afterPage(page, at.routerCursor);
      const entries = skipSeen(page.entries, at.lastKey);
      if (entries.length === 0) this.#position = next;
      for (let i = 0; i < entries.length && remaining > 0; i++) {
        const e = entries[i]!;
        remaining--;
        // Set before yielding, so `cursor` read in the loop body resumes after this entry.
        this.#position = i === entries.length - 1 ? next : { routerCursor: at.routerCursor, lastKey: e.key };
        yield toScanEntry(e);
      }
    }
  }
}
