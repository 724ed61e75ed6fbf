import {
  ErrorCode, MAX_SCAN_LIMIT, RingKvError, SCAN_PAGE_BUDGET_BYTES, keyHash, positionOfKey, type Entry__Output, type ScanResponse,
} from '@ringkv/core';
import type { Topology } from './topology.js';

const CURSOR_VERSION = 1;

/**
 * Cluster-wide scan in ring order. A cursor is a ring position (hash, key); each page asks
 * every shard for what it owns after the cursor, and keeps only entries up to the lowest
 * position some shard has not yet examined past, so no key is skipped or repeated. Keys that
 * exist for the whole scan are returned exactly once, whichever shard holds them.
 */
export class Scanner {
  readonly #topology: Topology;
  readonly #maxRetries: number;

  constructor(topology: Topology, maxRetries = 8) {
    this.#topology = topology;
    this.#maxRetries = maxRetries;
  }

  /** One page; `requestId` goes to every shard asked, for their logs. */
  async page(cursor: Buffer, prefix: Buffer, limit: number, requestId?: string): Promise<ScanResponse> {
    const after = decodeCursor(cursor);
    const n = Math.min(Math.max(limit || 1000, 1), MAX_SCAN_LIMIT);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#page(after, prefix, n, requestId);
      } catch (err) {
        if (!(err instanceof RingKvError) || err.code !== ErrorCode.WRONG_OWNER || attempt >= this.#maxRetries) throw err;
        await new Promise((r) => setTimeout(r, Math.min(200, 5 * 2 ** attempt)));
      }
    }
  }

  async #page(after: Buffer, prefix: Buffer, limit: number, requestId: string | undefined): Promise<ScanResponse> {
    const epoch = this.#topology.epoch;
    const shards = this.#topology.shards();
    const replies = await Promise.all(shards.map(async (s) => {
      try {
        return await s.scan({ epoch: epoch.toString(), after, prefix, limit, maxExamined: limit * 10 + 1000 }, requestId);
      } catch (err) {
        if (err instanceof RingKvError && err.code === ErrorCode.WRONG_OWNER) {
          await this.#topology.reconcile(s.id, err.epoch ?? 0n);
        }
        throw err;
      }
    }));
    if (replies.some((r) => BigInt(r.epoch) !== this.#topology.epoch)) {
      // A shard answered from another map: retry the page once everyone agrees.
      await Promise.all(shards.map((s, i) => this.#topology.reconcile(s.id, BigInt(replies[i]!.epoch))));
      throw new RingKvError(ErrorCode.WRONG_OWNER, 'shards disagree on the cluster map epoch');
    }
    let bound: Buffer | undefined;
    for (const r of replies) {
      if (!r.done && (bound === undefined || Buffer.compare(r.lastExamined, bound) < 0)) bound = r.lastExamined;
    }
    const merged: Array<{ pos: Buffer; e: Entry__Output }> = [];
    for (const r of replies) {
      for (const e of r.entries) {
        const pos = positionOfKey(e.key, keyHash(e.key));
        if (bound === undefined || Buffer.compare(pos, bound) <= 0) merged.push({ pos, e });
      }
    }
    merged.sort((a, b) => Buffer.compare(a.pos, b.pos));
    const entries: Entry__Output[] = [];
    let last: Buffer | undefined;
    let truncated = false;
    let bytes = 0;
    for (const m of merged) {
      if (last && m.pos.equals(last)) continue;
      bytes += m.e.key.length + m.e.value.length + 32;
      if (entries.length >= limit || (entries.length > 0 && bytes > SCAN_PAGE_BUDGET_BYTES)) {
        truncated = true;
        break;
      }
      entries.push(m.e);
      last = m.pos;
    }
    const done = bound === undefined && !truncated;
    const next = truncated ? last! : bound ?? last ?? after;
    return { entries, cursor: done ? Buffer.alloc(0) : encodeCursor(next), done };
  }
}

export function encodeCursor(position: Buffer): Buffer {
  return Buffer.concat([Buffer.from([CURSOR_VERSION]), position]);
}

export function decodeCursor(cursor: Buffer): Buffer {
  if (cursor.length === 0) return cursor;
  if (cursor[0] !== CURSOR_VERSION || cursor.length < 5) {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, 'malformed scan cursor');
  }
  return cursor.subarray(1);
}
