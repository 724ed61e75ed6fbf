import {
  ErrorCode, RingKvError, SCAN_PAGE_BUDGET_BYTES, fitReply, opSize, requestIdOf, requestIdOr, toServiceError,
  type FrameHandler, type InFlightLimiter, type KVHandlers, type Logger, type OpMetrics, type PipelineStreams, type RequestLog,
} from '@ringkv/core';
import type { sendUnaryData } from '@grpc/grpc-js';
import type { Forwarder } from './forwarder.js';
import type { Scanner } from './scanner.js';
import { OPEN_CALLER, type AccessControl, type Caller } from './access.js';
import { executeAs } from './authorized-ops.js';
import { refusalLogger } from './access-log.js';

/** Largest batch one KV.Execute may carry. */
export const MAX_OPS_PER_REQUEST = 10_000;

export interface KvServiceDeps {
  forwarder: Forwarder;
  scanner: Scanner;
  log: Logger;
  pipelines: PipelineStreams;
  requests: RequestLog;
  /** The token check (a no-op without --tokens). */
  access: AccessControl;
  /** Admission control shared with the Pipeline streams: Execute calls past it get RESOURCE_EXHAUSTED. */
  limiter: InFlightLimiter;
  /** Scan pages are counted here (op "scan"); operations are counted by the Forwarder. */
  metrics?: OpMetrics | undefined;
}

function failer(log: Logger) {
  return (cb: sendUnaryData<never>, err: unknown, what: string, reqId: string) => {
    if (!(err instanceof RingKvError)) log.error({ err, reqId }, `${what} failed`);
    cb(toServiceError(err) as never, null);
  };
}

/**
 * The handler of a Pipeline frame for `caller`: the operations it may run are forwarded under
 * the frame's request id (the client's, else a new one) and logged; the others are refused
 * one by one with PERMISSION_DENIED.
 */
export function pipelineFrameHandler(
  deps: Pick<KvServiceDeps, 'forwarder' | 'requests'>, caller: Caller = OPEN_CALLER,
): FrameHandler {
  const { forwarder, requests } = deps;
  return async (ops, _epoch, requestIds) => {
    const started = Date.now();
    const reqId = requestIdOr(requestIds[0]);
    try {
      const results = await executeAs(caller, ops, (allowed) => forwarder.execute(allowed, reqId));
      requests.done(reqId, 'Pipeline', ops.length, started, results);
      return { results };
    } catch (err) {
      requests.done(reqId, 'Pipeline', ops.length, started, undefined, err);
      throw err;
    }
  };
}

/**
 * ringkv.v1.KV, the client-facing data API. Every call is authenticated first (a no-op without
 * --tokens), then gets a request id (the caller's `x-request-id`, else a new one) that is
 * passed on to the shards and logged on both sides.
 */
export function kvHandlers(deps: KvServiceDeps): KVHandlers {
  const { forwarder, scanner, log, pipelines, requests, access, limiter, metrics } = deps;
  const fail = failer(log);
  const refused = refusalLogger(log);
  return {
    Execute(call, cb) {
      const started = Date.now();
      const reqId = requestIdOf(call.metadata);
      const { ops } = call.request;
      let caller: Caller;
      try {
        caller = access.authenticate(call.metadata);
      } catch (err) {
        refused(call, 'KV.Execute', err);
        return fail(cb, err, 'Execute', reqId);
      }
      if (ops.length > MAX_OPS_PER_REQUEST) {
        const err = new RingKvError(ErrorCode.INVALID_ARGUMENT, `batch of ${ops.length} ops exceeds ${MAX_OPS_PER_REQUEST}`);
        requests.done(reqId, 'Execute', ops.length, started, undefined, err);
        return fail(cb, err, 'Execute', reqId);
      }
      const bytes = ops.reduce((acc, op) => acc + opSize(op), 0);
      const shed = limiter.tryAcquire(ops.length, bytes);
      if (shed) {
        requests.done(reqId, 'Execute', ops.length, started, undefined, shed);
        return fail(cb, shed, 'Execute', reqId);
      }
      executeAs(caller, ops, (allowed) => forwarder.execute(allowed, reqId)).finally(() => limiter.release(ops.length, bytes)).then((results) => {
        requests.done(reqId, 'Execute', ops.length, started, results);
        cb(null, { results: fitReply(results) });
      }, (err) => {
        requests.done(reqId, 'Execute', ops.length, started, undefined, err);
        fail(cb, err, 'Execute', reqId);
      });
    },
    Pipeline(call) {
      let caller: Caller;
      try {
        caller = access.authenticate(call.metadata);
      } catch (err) {
        refused(call, 'KV.Pipeline', err);
        // Ends the stream with the error's status before any frame is read.
        call.emit('error', toServiceError(err));
        return;
      }
      pipelines.serve(call, pipelineFrameHandler(deps, caller));
    },
    Scan(call, cb) {
      const started = performance.now();
      const startedMs = Date.now();
      const reqId = requestIdOf(call.metadata);
      const { cursor, prefix, limit } = call.request;
      const settle = (err: unknown) => {
        const code = err === undefined ? '' : err instanceof RingKvError ? err.code : ErrorCode.INTERNAL;
        metrics?.record('scan', code, (performance.now() - started) / 1000);
        requests.done(reqId, 'Scan', 1, startedMs, undefined, err);
      };
      let page;
      try {
        access.authenticate(call.metadata);
      } catch (err) {
        refused(call, 'KV.Scan', err);
        settle(err);
        return fail(cb, err, 'Scan', reqId);
      }
      // A page may hold up to its byte budget: admitted like that many bytes of operations.
      const shed = limiter.tryAcquire(1, SCAN_PAGE_BUDGET_BYTES);
      if (shed) {
        settle(shed);
        return fail(cb, shed, 'Scan', reqId);
      }
      try {
        page = scanner.page(cursor, prefix, limit, reqId).finally(() => limiter.release(1, SCAN_PAGE_BUDGET_BYTES));
      } catch (err) {
        limiter.release(1, SCAN_PAGE_BUDGET_BYTES);
        settle(err);
        return fail(cb, err, 'Scan', reqId);
      }
      page.then((res) => {
        settle(undefined);
        cb(null, res);
      }, (err) => {
        settle(err);
        fail(cb, err, 'Scan', reqId);
      });
    },
  };
}
