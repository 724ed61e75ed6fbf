import {
  ErrorCode, RingKvError, toServiceError, type PipelineStreams, type KVHandlers, type Logger,
} from '@ringkv/core';
import type { sendUnaryData } from '@grpc/grpc-js';
import type { Forwarder } from './forwarder.js';
import type { Scanner } from './scanner.js';
import type { AccessControl } from './access.js';
import { executeAs } from './authorized-ops.js';
import { refusalLogger } from './access-log.js';

/** Largest batch one KV.Execute may carry. */
export const MAX_OPS_PER_REQUEST = 10_000;

function failer(log: Logger) {
  return (cb: sendUnaryData<never>, err: unknown, what: string) => {
    if (!(err instanceof RingKvError)) log.error({ err }, `${what} failed`);
    cb(toServiceError(err) as never, null);
  };
}

/** ringkv.v1.KV, the client-facing data API. Every call is authenticated first (a no-op without --tokens). */
export function kvHandlers(forwarder: Forwarder, scanner: Scanner, log: Logger, pipelines: PipelineStreams, access: AccessControl): KVHandlers {
  const fail = failer(log);
  const refused = refusalLogger(log);
  const run = (ops: Parameters<Forwarder['execute']>[0]) => forwarder.execute(ops);
  return {
    Execute(call, cb) {
      const { ops } = call.request;
      let caller;
      try {
        caller = access.authenticate(call.metadata);
      } catch (err) {
        refused(call, 'KV.Execute', err);
        return fail(cb, err, 'Execute');
      }
      if (ops.length > MAX_OPS_PER_REQUEST) {
        return fail(cb, new RingKvError(ErrorCode.INVALID_ARGUMENT, `batch of ${ops.length} ops exceeds ${MAX_OPS_PER_REQUEST}`), 'Execute');
      }
      executeAs(caller, ops, run).then((results) => cb(null, { results }), (err) => fail(cb, err, 'Execute'));
    },
    Pipeline(call) {
      let caller;
      try {
        caller = access.authenticate(call.metadata);
      } catch (err) {
        refused(call, 'KV.Pipeline', err);
        // Ends the stream with the error's status before any frame is read.
        call.emit('error', toServiceError(err));
        return;
      }
      const who = caller;
      pipelines.serve(call, async (ops) => ({ results: await executeAs(who, ops, run) }));
    },
    Scan(call, cb) {
      const { cursor, prefix, limit } = call.request;
      let page;
      try {
        access.authenticate(call.metadata);
        page = scanner.page(cursor, prefix, limit);
      } catch (err) {
        refused(call, 'KV.Scan', err);
        return fail(cb, err, 'Scan');
      }
      page.then((res) => cb(null, res), (err) => fail(cb, err, 'Scan'));
    },
  };
}
