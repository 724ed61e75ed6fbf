import { randomBytes } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';

/** The gRPC metadata key a caller may set to name its request in the logs of routers and shards. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Longest request id taken from a caller; longer ones are replaced by a generated id. */
export const MAX_REQUEST_ID_LENGTH = 64;

// A random prefix per process and a counter: unique, short, and no crypto call per request.
const PREFIX = randomBytes(4).toString('hex');
let counter = 0;

/** A new id, unique within the process and very likely across processes: `3f9a0c1b-1k2`. */
export function newRequestId(): string {
  counter = counter >= Number.MAX_SAFE_INTEGER ? 1 : counter + 1;
  return `${PREFIX}-${counter.toString(36)}`;
}

/** 1-64 printable ASCII characters, no spaces: safe to log and to pass on. */
export function isValidRequestId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_REQUEST_ID_LENGTH && /^[\x21-\x7e]+$/.test(id);
}

/** The caller's id if it sent a valid one, else a new id. */
export function requestIdOr(candidate: unknown): string {
  return isValidRequestId(candidate) ? candidate : newRequestId();
}

/** The `x-request-id` of a call's metadata if valid, else a new id. */
export function requestIdOf(metadata: Metadata | undefined): string {
  return requestIdOr(metadata?.get(REQUEST_ID_HEADER)[0]);
}
