import {
  DATA_END, NODE_SCAN_BUDGET_BYTES, arcRanges, dataKeyAtHash, dataRangeOfHashes, decodeRecord, isLive, isSystemKey,
  type Arc, type Entry, type NodeScanResponse, type Ownership, type RingKvError,
} from '@ringkv/core';
import type { LevelStore } from './level-store.js';

/**
 * The reads of a node's data that are not key lookups: scan pages, counts and estimates. They
 * check nothing: StorageEngine validates and fences before calling them.
 */

export interface NodeStats {
  keys: number;
  bytes: number;
  tombstones: number;
  records: number;
}

export interface ScanRequest {
  epoch: bigint;
  after: Buffer;
  prefix: Buffer;
  limit: number;
  maxExamined: number;
}

type ReadStore = Pick<LevelStore, 'entries'>;

/** Live keys and bytes held in each arc. */
export async function estimateArcs(store: ReadStore, arcs: Arc[]): Promise<Array<{ keys: number; bytes: number }>> {
  const now = Date.now();
  const out: Array<{ keys: number; bytes: number }> = [];
  for (const arc of arcs) {
    const acc = { keys: 0, bytes: 0 };
    for (const [from, to] of arcRanges(arc)) {
      for await (const [sk, raw] of store.entries(dataRangeOfHashes(from, to))) {
        const r = decodeRecord(raw);
        if (!isLive(r, now)) continue;
        acc.keys++;
        acc.bytes += sk.length - 5 + r.value.length;
      }
    }
    out.push(acc);
  }
  return out;
}

/** One page of the live user keys `nodeId` serves in `own` after `req.after`, in ring order (see NodeScanRequest). */
/**
 * `refuse`, when given, says why a key may not be shown (a key in doubt, WriteDoubts): the page
 * fails with that error rather than show a value that may vanish.
 */
export async function scanPage(
  store: ReadStore, own: Ownership, nodeId: string, req: ScanRequest, refuse?: (storageKey: Buffer, hash: number) => RingKvError | undefined,
): Promise<NodeScanResponse> {
  const entries: Entry[] = [];
  const range = req.after.length > 0
    ? { gt: Buffer.concat([Buffer.from([0x01]), req.after]), lt: DATA_END }
    : { gte: dataKeyAtHash(0), lt: DATA_END };
  let examined = 0;
  let bytes = 0;
  let last: Buffer | undefined;
  let done = true;
  const now = Date.now();
  for await (const [sk, raw] of store.entries(range, Math.min(1000, req.maxExamined))) {
    if (examined >= req.maxExamined || entries.length >= req.limit) {
      done = false;
      break;
    }
    const previous = last;
    examined++;
    last = sk;
    const hash = sk.readUInt32BE(1);
    if (own.ownerOf(hash) !== nodeId) continue;
    const refused = refuse?.(sk, hash);
    if (refused) throw refused;
    const key = sk.subarray(5);
    if (isSystemKey(key)) continue;
    if (req.prefix.length > 0 && !key.subarray(0, req.prefix.length).equals(req.prefix)) continue;
    const record = decodeRecord(raw);
    if (!isLive(record, now)) continue;
    // A page stays far below the message limit: the next page starts at this record.
    bytes += key.length + record.value.length + 32;
    if (entries.length > 0 && bytes > NODE_SCAN_BUDGET_BYTES) {
      last = previous;
      done = false;
      break;
    }
    entries.push({ key, value: record.value, version: record.version.toString(), expiresAtMs: String(record.expiresAtMs) });
  }
  return { entries, lastExamined: last ? last.subarray(1) : req.after, done, epoch: own.epoch.toString() };
}

/**
 * Counts what the node holds: live user keys (not deleted, not expired; lock and queue
 * records are counted in `records` only) and their bytes.
 */
export async function countStats(store: ReadStore): Promise<NodeStats> {
  const out: NodeStats = { keys: 0, bytes: 0, tombstones: 0, records: 0 };
  const now = Date.now();
  for await (const [sk, raw] of store.entries({ gte: dataKeyAtHash(0), lt: DATA_END })) {
    out.records++;
    const record = decodeRecord(raw);
    if (record.tombstone) out.tombstones++;
    else if (isLive(record, now) && !isSystemKey(sk.subarray(5))) {
      out.keys++;
      out.bytes += sk.length - 5 + record.value.length;
    }
  }
  return out;
}
