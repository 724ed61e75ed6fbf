import type { OpResult } from './generated/ringkv/v1/OpResult.js';
import { ErrorCode } from './errors.js';
import { MAX_MESSAGE_BYTES } from './limits.js';

/** Payload bytes one reply may carry: the message limit less room for framing and small fields. */
export const REPLY_BUDGET_BYTES = MAX_MESSAGE_BYTES - 4 * 1024 * 1024;

/** Bytes of entries one node returns per scan page (the router merges several nodes' pages). */
export const NODE_SCAN_BUDGET_BYTES = 16 * 1024 * 1024;

/** Bytes of entries one router returns per scan page. */
export const SCAN_PAGE_BUDGET_BYTES = 32 * 1024 * 1024;

const RESULT_OVERHEAD_BYTES = 64;

function sizeOf(r: OpResult): number {
  return (r.value?.length ?? 0) + (r.owner?.length ?? 0) + (r.errorMessage?.length ?? 0) + RESULT_OVERHEAD_BYTES;
}

/** A queue pop's delivery (it changed state: the message is hidden), unlike a get's value. */
const isDelivery = (r: OpResult) => (r.deliveries ?? 0) > 0;

/**
 * Keeps a batch's reply under the gRPC message limit: a reply over it would fail the whole
 * stream it travels on (every caller's frames), not just this batch. Values are dropped until
 * the rest fits, the largest gets first, each becoming RESOURCE_EXHAUSTED (nothing was
 * changed: read it again in a smaller batch); only if that is not enough, the largest queue
 * deliveries, each becoming UNAVAILABLE (the message was delivered and is hidden: it is
 * delivered again after its visibility timeout). Results without a value are small and always
 * kept, so no write is ever reported as failed when it was applied.
 */
export function fitReply<T extends OpResult>(results: T[], budget = REPLY_BUDGET_BYTES): T[] {
  let bytes = 0;
  for (const r of results) bytes += sizeOf(r);
  if (bytes <= budget) return results;
  const largest = results.map((r, i) => i).filter((i) => (results[i]!.value?.length ?? 0) > 0)
    .sort((a, b) => Number(isDelivery(results[a]!)) - Number(isDelivery(results[b]!))
      || results[b]!.value!.length - results[a]!.value!.length);
  const out = [...results];
  for (const i of largest) {
    if (bytes <= budget) break;
    const r = results[i]!;
    bytes -= sizeOf(r) - RESULT_OVERHEAD_BYTES;
    out[i] = isDelivery(r)
      ? {
        ...r, value: Buffer.alloc(0), found: false, version: '0', expiresAtMs: '0', deliveries: 0,
        errorCode: ErrorCode.UNAVAILABLE,
        errorMessage: `message ${String(r.id)} was delivered but the batch's reply would exceed ${MAX_MESSAGE_BYTES} bytes; it is delivered again after its visibility timeout`,
      }
      : {
        ...r, value: Buffer.alloc(0), found: false, version: '0', expiresAtMs: '0',
        errorCode: ErrorCode.RESOURCE_EXHAUSTED,
        errorMessage: `the batch's reply would exceed ${MAX_MESSAGE_BYTES} bytes; read large values in smaller batches`,
      };
  }
  return out;
}
