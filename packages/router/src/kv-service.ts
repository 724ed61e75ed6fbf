import {
  ErrorCode, RingKvError, requestIdOf, toServiceError, type KVHandlers, type Logger, type OpMetrics, type PipelineStreams,
  type RequestLog,
} from '@ringkv/core';
import type { sendUnaryData } from '@grpc/grpc-js';
import type { Forwarder } from './forwarder.js';
import type { Scanner } from './scanner.js';

/** Largest batch one KV.Execute may carry. */
export const MAX_OPS_PER_REQUEST = 10_000;

export interface KvServiceDeps {
  forwarder: Forwarder;
  scanner: Scanner;
  log: Logger;
  pipelines: PipelineStreams;
  requests: RequestLog;
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
 * ringkv.v1.KV, the client-facing data API. Each call gets a request id (the caller's
 * `x-request-id`, else a new one) that is passed on to the shards and logged on both sides.
 */
export function kvHandlers(deps: KvServiceDeps): KVHandlers {
  const { forwarder, scanner, log, pipelines, requests, metrics } = deps;
  const fail = failer(log);
  return {
    Execute(call, cb) {
      const started = Date.now();
      const reqId = requestIdOf(call.metadata);
      const { ops } = call.request;
      if (ops.length > MAX_OPS_PER_REQUEST) {
        const err = new RingKvError(ErrorCode.INVALID_ARGUMENT, `batch of ${ops.length} ops exceeds ${MAX_OPS_PER_REQUEST}`);
        requests.done(reqId, 'Execute', ops.length, started, undefined, err);
        return fail(cb, err, 'Execute', reqId);
      }
      forwarder.execute(ops, reqId).then((results) => {
        requests.done(reqId, 'Execute', ops.length, started, results);
        cb(null, { results });
      }, (err) => {
        requests.done(reqId, 'Execute', ops.length, started, undefined, err);
        fail(cb, err, 'Execute', reqId);
      });
    },
    Pipeline(call) {
      pipelines.serve(call);
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
        page = scanner.page(cursor, prefix, limit, reqId);
      } catch (err) {
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
