import { ErrorCode, RingKvError } from '@ringkv/core';
import type { Key, Value } from './types.js';

/**
 * Keys and values are bytes on the wire; strings are UTF-8 encoded here, at the edge.
 * Byte arrays are copied so that a caller reusing its buffer before the (batched, next-tick)
 * send cannot change what is written.
 */
export function toBytes(input: Key | Value, what: string): Buffer {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  if (input instanceof Uint8Array) return Buffer.from(input);
  throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `${what} must be a string or a Uint8Array, got ${describe(input)}`);
}

/** A key as bytes; the empty key is refused before anything is sent. */
export function keyBytes(key: Key, what = 'key'): Buffer {
  const bytes = toBytes(key, what);
  if (bytes.length === 0) throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `${what} must not be empty`);
  return bytes;
}

export function valueBytes(value: Value, what = 'value'): Buffer {
  return toBytes(value, what);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
