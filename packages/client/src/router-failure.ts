import { ErrorCode, RingKvError } from '@ringkv/core';

/**
 * Failures of a router itself (connection refused or lost, stream broken), as opposed to a
 * router's answer (which may also be UNAVAILABLE, for a shard that is down). Only these eject
 * a router. `sent: false` means the request provably never left this process, so even a
 * write may be sent again to another router.
 */
const failures = new WeakMap<RingKvError, { sent: boolean }>();

/** A new UNAVAILABLE failure of `address` for a request that was never sent. */
export function notSentError(address: string, why: string): RingKvError {
  const err = new RingKvError(ErrorCode.UNAVAILABLE, `router ${address}: ${why}; the request was not sent`);
  failures.set(err, { sent: false });
  return err;
}

/** Marks `err` as a failure of the router (the request may have reached it); returns `err`. */
export function markRouterFailure(err: RingKvError): RingKvError {
  if (!failures.has(err)) failures.set(err, { sent: true });
  return err;
}

/** True for failures of the router itself (see above). */
export function isRouterFailure(err: unknown): boolean {
  return err instanceof RingKvError && failures.has(err);
}

/** True when the request provably never reached any router: safe to send again, writes included. */
export function wasNotSent(err: unknown): boolean {
  return err instanceof RingKvError && failures.get(err)?.sent === false;
}
