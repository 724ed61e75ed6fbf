import { ErrorCode, RingKvError } from '@ringkv/core';

/**
 * A message's record value: 'M' | format (1) | visible-at (ms since the epoch) u64 |
 * deliveries u32 | enqueued-at u64 | body. Its key is queueMessageKey(name, lane, id), so a
 * lane is stored in id order under the queue's hash tag.
 */
const MAGIC = 0x4d;
const FORMAT = 1;
const HEADER = 22;

export interface MessageHeader {
  visibleAtMs: number;
  deliveries: number;
  enqueuedAtMs: number;
}

export function encodeMessage(h: MessageHeader, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER + body.length);
  out[0] = MAGIC;
  out[1] = FORMAT;
  out.writeBigUInt64BE(BigInt(h.visibleAtMs), 2);
  out.writeUInt32BE(h.deliveries, 10);
  out.writeBigUInt64BE(BigInt(h.enqueuedAtMs), 14);
  out.set(body, HEADER);
  return out;
}

export function decodeMessage(value: Buffer): MessageHeader & { body: Buffer } {
  if (value.length < HEADER || value[0] !== MAGIC || value[1] !== FORMAT) {
    throw new RingKvError(ErrorCode.INTERNAL, `corrupt queue message record (${value.length} bytes)`);
  }
  return {
    visibleAtMs: Number(value.readBigUInt64BE(2)),
    deliveries: value.readUInt32BE(10),
    enqueuedAtMs: Number(value.readBigUInt64BE(14)),
    body: value.subarray(HEADER),
  };
}
