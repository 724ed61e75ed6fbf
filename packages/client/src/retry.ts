import { ErrorCode, type RingKvError } from '@ringkv/core';
import type { CallContext } from './call-context.js';
import { wasNotSent } from './router-failure.js';
import type { RouterPool } from './router-pool.js';
import type { RouterTransport } from './transport.js';

/**
 * Whether an operation may be sent again after `err`:
 * - TRY_AGAIN means "not applied" (for example an arc hand-off), so any operation retries;
 * - UNAVAILABLE may hide an applied write, so only idempotent operations (reads, scan pages,
 *   status) retry, once on each other router; so does any operation whose request provably
 *   never left the client (the router's connection had already failed).
 * Deadlines, cancellation and close are never retried. The call's deadline bounds it all.
 */
export function shouldRetry(err: RingKvError, idempotent: boolean, attempt: number, routers: number): boolean {
  if (err.code === ErrorCode.TRY_AGAIN) return attempt < MAX_TRY_AGAIN_ATTEMPTS;
  if (err.code === ErrorCode.UNAVAILABLE) return (idempotent || wasNotSent(err)) && attempt < routers;
  return false;
}

/** TRY_AGAIN is a short refusal; keep trying a while (the deadline still rules). */
export const MAX_TRY_AGAIN_ATTEMPTS = 20;

/** Exponential backoff with jitter: 10, 20, 40 ... capped at 250 ms. */
export function backoffMs(attempt: number): number {
  const base = Math.min(250, 10 * 2 ** Math.min(attempt - 1, 5));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/**
 * Runs one router call (scan page, admin), backing off on TRY_AGAIN and, when `idempotent`,
 * moving to another router when one is unavailable.
 */
export async function callWithRetry<T>(
  pool: RouterPool,
  ctx: CallContext,
  fn: (router: RouterTransport) => Promise<T>,
  idempotent = true,
): Promise<T> {
  const avoid = new Set<RouterTransport>();
  for (let attempt = 1; ; attempt++) {
    const router = pool.pick(avoid);
    pool.sent(router, 0);
    try {
      const value = await fn(router);
      pool.settled(router, 0);
      return value;
    } catch (err) {
      const e = err as RingKvError;
      pool.settled(router, 0, e);
      if (ctx.reason || !shouldRetry(e, idempotent, attempt, pool.size)) throw e;
      if (e.code === ErrorCode.UNAVAILABLE) avoid.add(router);
      else await ctx.sleep(backoffMs(attempt));
    }
  }
}
