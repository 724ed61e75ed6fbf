import { ErrorCode, asRingKvError, type ErrorCode as Code } from './errors.js';
import type { Logger } from './logger.js';

export interface RequestLogOptions {
  /** Requests that take longer are logged at warn. @default 1000 */
  slowRequestMs?: number;
  /** Most warn lines per second (slow or failed requests); the rest are counted in the next line. @default 20 */
  maxWarningsPerSec?: number;
}

/** Outcomes that point at the cluster rather than at the request: logged at warn. */
const SERVER_SIDE: ReadonlySet<string> = new Set<Code>([
  ErrorCode.INTERNAL, ErrorCode.UNAVAILABLE, ErrorCode.DEADLINE_EXCEEDED, ErrorCode.RESOURCE_EXHAUSTED,
]);

interface Outcome {
  errorCode?: string;
  errorMessage?: string;
}

/**
 * One log line per request (a unary call or a Pipeline frame), keyed by its request id(s):
 * debug normally, warn when it was slow or failed on a server-side code (INTERNAL,
 * UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED), rate-limited so an outage does not
 * flood the log. Nothing is built for a request that is not logged.
 */
export class RequestLog {
  readonly #log: Logger;
  readonly #slowMs: number;
  readonly #maxPerSec: number;
  #windowStart = 0;
  #inWindow = 0;
  #suppressed = 0;

  constructor(log: Logger, options: RequestLogOptions = {}) {
    this.#log = log;
    this.#slowMs = options.slowRequestMs ?? 1_000;
    this.#maxPerSec = options.maxWarningsPerSec ?? 20;
  }

  /**
   * Called once a request is answered. `ids`: its request id (router, node unary call) or the
   * ids a frame carries (node Pipeline frame). `results` are per-op outcomes; `err` fails the
   * whole request.
   */
  done(ids: string | readonly string[], call: string, ops: number, startedMs: number, results: readonly Outcome[] | undefined, err?: unknown): void {
    const ms = Date.now() - startedMs;
    let failure: { code: string; message: string } | undefined;
    if (err !== undefined) {
      const e = asRingKvError(err);
      failure = { code: e.code, message: e.message };
    } else if (results) {
      for (const r of results) {
        if (r.errorCode && SERVER_SIDE.has(r.errorCode)) {
          failure = { code: r.errorCode, message: r.errorMessage ?? '' };
          break;
        }
      }
    }
    const idField = typeof ids === 'string' ? { reqId: ids } : { reqIds: ids };
    if ((failure && SERVER_SIDE.has(failure.code)) || ms >= this.#slowMs) {
      if (!this.#allowWarning()) return;
      const suppressed = this.#suppressed;
      this.#suppressed = 0;
      this.#log.warn({
        ...idField, call, ops, ms, ...failure, ...(suppressed > 0 ? { suppressed } : {}),
      }, failure ? 'request failed' : 'slow request');
    } else if (this.#log.isLevelEnabled('debug')) {
      this.#log.debug({ ...idField, call, ops, ms, ...(failure ? failure : {}), ...(results ? { codes: countCodes(results) } : {}) }, 'request');
    }
  }

  #allowWarning(): boolean {
    const now = Date.now();
    if (now - this.#windowStart >= 1_000) {
      this.#windowStart = now;
      this.#inWindow = 0;
    }
    if (this.#inWindow >= this.#maxPerSec) {
      this.#suppressed++;
      return false;
    }
    this.#inWindow++;
    return true;
  }
}

/** `{ OK: 3, CONFLICT: 1 }`: the outcome of each op of a request, for debug lines. */
function countCodes(results: readonly Outcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const code = r.errorCode || 'OK';
    out[code] = (out[code] ?? 0) + 1;
  }
  return out;
}
