import {
  ErrorCode, RingKvError, fitReply, opSize, toServiceError, type InFlightLimiter, type PipelineStreams, type KVHandlers, type Logger,
} from '@ringkv/core';
import type { sendUnaryData } from '@grpc/grpc-js';
import type { Forwarder } from './forwarder.js';
import type { Scanner } from './scanner.js';

/** Largest batch one KV.Execute may carry. */
export const MAX_OPS_PER_REQUEST = 10_000;

function failer(log: Logger) {
  return (cb: sendUnaryData<never>, err: unknown, what: string) => {
    if (!(err instanceof RingKvError)) log.error({ err }, `${what} failed`);
    cb(toServiceError(err) as never, null);
  };
}

/** ringkv.v1.KV, the client-facing data API. */
export function kvHandlers(
  forwarder: Forwarder, scanner: Scanner, log: Logger, pipelines: PipelineStreams, limiter: InFlightLimiter,
): KVHandlers {
  const fail = failer(log);
  return {
    Execute(call, cb) {
      const { ops } = call.request;
      if (ops.length > MAX_OPS_PER_REQUEST) {
        return fail(cb, new RingKvError(ErrorCode.INVALID_ARGUMENT, `batch of ${ops.length} ops exceeds ${MAX_OPS_PER_REQUEST}`), 'Execute');
      }
      const bytes = ops.reduce((acc, op) => acc + opSize(op), 0);
      const shed = limiter.tryAcquire(ops.length, bytes);
      if (shed) return fail(cb, shed, 'Execute');
      forwarder.execute(ops).finally(() => limiter.release(ops.length, bytes))
        .then((results) => cb(null, { results: fitReply(results) }), (err) => fail(cb, err, 'Execute'));
    },
    Pipeline(call) {
      pipelines.serve(call);
    },
    Scan(call, cb) {
      const { cursor, prefix, limit } = call.request;
      let page;
      try {
        page = scanner.page(cursor, prefix, limit);
      } catch (err) {
        return fail(cb, err, 'Scan');
      }
      page.then((res) => cb(null, res), (err) => fail(cb, err, 'Scan'));
    },
  };
}

