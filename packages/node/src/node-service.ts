import {
  ErrorCode, NODE_SCAN_BUDGET_BYTES, RingKvError, clusterMapFromProto, clusterMapToProto, fitReply, opSize, requestIdOf, streamError, toServiceError,
  type InFlightLimiter, type PipelineStreams, type NodeHandlers, type RequestLog,
} from '@ringkv/core';
import type { ServerWritableStream, sendUnaryData } from '@grpc/grpc-js';
import type { MigrateArcProgress } from '@ringkv/core';
import type { ArcProgress } from './migration-source.js';
import type { StorageEngine } from './storage-engine.js';
import type { NodeMetrics } from './node-metrics.js';
import type { Logger } from '@ringkv/core';

/** Largest batch one Execute may carry. */
export const MAX_OPS_PER_REQUEST = 10_000;
const MAX_SCAN_LIMIT = 10_000;

export interface NodeServiceDeps {
  engine: StorageEngine;
  log: Logger;
  pipelines: PipelineStreams;
  requests: RequestLog;
  /** Admission control shared with the Pipeline streams: Execute calls past it get RESOURCE_EXHAUSTED. */
  limiter: InFlightLimiter;
  metrics?: NodeMetrics | undefined;
}

/**
 * gRPC handlers of ringkv.v1.Node: proto in, engine call, proto out; errors converted once.
 * Data calls carry the router's request id (`x-request-id`) into the node's logs.
 */
export function nodeServiceHandlers(deps: NodeServiceDeps): NodeHandlers {
  const { engine, log, pipelines, requests, limiter, metrics } = deps;
  const fail = (cb: sendUnaryData<never>, err: unknown, what: string, reqId?: string) => {
    if (!(err instanceof RingKvError)) log.error({ err, ...(reqId ? { reqId } : {}) }, `${what} failed`);
    cb(toServiceError(err) as never, null);
  };
  return {
    Execute(call, cb) {
      const started = performance.now();
      const startedMs = Date.now();
      const reqId = requestIdOf(call.metadata);
      const { epoch, ops } = call.request;
      if (ops.length > MAX_OPS_PER_REQUEST) {
        return fail(cb, new RingKvError(ErrorCode.INVALID_ARGUMENT, `batch of ${ops.length} ops exceeds ${MAX_OPS_PER_REQUEST}`), 'Execute', reqId);
      }
      const bytes = ops.reduce((acc, op) => acc + opSize(op), 0);
      const shed = limiter.tryAcquire(ops.length, bytes);
      if (shed) {
        metrics?.recordOps(ops, undefined, shed.code, started);
        requests.done(reqId, 'Execute', ops.length, startedMs, undefined, shed);
        return fail(cb, shed, 'Execute', reqId);
      }
      // A caller that goes away ends a blocking pop's wait (the router's call is cancelled).
      const gone = new AbortController();
      call.on('cancelled', () => gone.abort());
      engine.execute(BigInt(epoch), ops, gone.signal).finally(() => limiter.release(ops.length, bytes)).then(
        (results) => {
          metrics?.recordOps(ops, results, '', started);
          requests.done(reqId, 'Execute', ops.length, startedMs, results);
          cb(null, { results: fitReply(results), epoch: engine.epoch.toString() });
        },
        (err) => {
          metrics?.recordOps(ops, undefined, errorCodeOf(err), started);
          requests.done(reqId, 'Execute', ops.length, startedMs, undefined, err);
          fail(cb, err, 'Execute', reqId);
        },
      );
    },
    Pipeline(call) {
      pipelines.serve(call);
    },
    Scan(call, cb) {
      const started = performance.now();
      const startedMs = Date.now();
      const reqId = requestIdOf(call.metadata);
      const r = call.request;
      const limit = Math.min(Math.max(r.limit || 1000, 1), MAX_SCAN_LIMIT);
      const maxExamined = Math.max(r.maxExamined || limit * 10, limit);
      const settle = (err: unknown) => {
        metrics?.ops.record('scan', err === undefined ? '' : errorCodeOf(err), (performance.now() - started) / 1000);
        requests.done(reqId, 'Scan', 1, startedMs, undefined, err);
      };
      // A page may hold up to its byte budget: admitted like that many bytes of operations.
      const shed = limiter.tryAcquire(1, NODE_SCAN_BUDGET_BYTES);
      if (shed) {
        settle(shed);
        return fail(cb, shed, 'Scan', reqId);
      }
      engine.scan({ epoch: BigInt(r.epoch), after: r.after, prefix: r.prefix, limit, maxExamined })
        .finally(() => limiter.release(1, NODE_SCAN_BUDGET_BYTES)).then(
        (res) => {
          settle(undefined);
          cb(null, res);
        },
        (err) => {
          settle(err);
          fail(cb, err, 'Scan', reqId);
        },
      );
    },
    GetClusterMap(call, cb) {
      const { grantor, seq, confirmedSeq, leaseMs } = call.request;
      const lease = engine.leaseFence;
      if (grantor) {
        lease.heartbeat(grantor, BigInt(confirmedSeq), Number(leaseMs));
        lease.replied(grantor, BigInt(seq));
      }
      const map = engine.clusterMap;
      cb(null, {
        nodeId: engine.nodeId, unreachable: engine.unreachableReplicas(), clock: engine.clockHighWater.toString(), settledEpoch: engine.settledEpoch.toString(),
        ...(map ? { map: clusterMapToProto(map) } : {}),
      });
    },
    UpdateClusterMap(call, cb) {
      let map;
      try {
        map = clusterMapFromProto(call.request);
      } catch (err) {
        return fail(cb, err, 'UpdateClusterMap');
      }
      engine.installClusterMap(map).then(
        (current) => cb(null, { nodeId: engine.nodeId, map: clusterMapToProto(current) }),
        (err) => fail(cb, err, 'UpdateClusterMap'),
      );
    },
    Ingest(call, cb) {
      const { epoch, from, records, replicate } = call.request;
      if (records.length > MAX_OPS_PER_REQUEST) {
        return fail(cb, new RingKvError(ErrorCode.INVALID_ARGUMENT, `ingest of ${records.length} records exceeds ${MAX_OPS_PER_REQUEST}`), 'Ingest');
      }
      let run;
      try {
        run = engine.ingest(BigInt(epoch), from, records, replicate);
      } catch (err) {
        return fail(cb, err, 'Ingest');
      }
      run.then((r) => cb(null, { applied: String(r.applied), skipped: String(r.skipped) }), (err) => fail(cb, err, 'Ingest'));
    },
    MigrateArc(call) {
      const r = call.request;
      const arcs = [{ start: r.start, end: r.end }, ...r.moreArcs.map((a) => ({ start: a.start, end: a.end }))];
      streamProgress(call, 'MigrateArc', log, (signal) => engine.migrateArcs(BigInt(r.epoch), arcs, r.targetId, Number(r.rateBytesPerSec), signal));
    },
    CatchUp(call) {
      const r = call.request;
      streamProgress(call, 'CatchUp', log, (signal) => engine.catchUp(BigInt(r.epoch), r.targetId, Number(r.rateBytesPerSec), signal));
    },
    FinishHandoff(call, cb) {
      const { epoch, arcs } = call.request;
      engine.finishHandoff(BigInt(epoch), arcs.map((a) => ({ start: a.start, end: a.end }))).then((dirty) => cb(null, { dirty }), (err) => fail(cb, err, 'FinishHandoff'));
    },
    EstimateArcs(call, cb) {
      engine.estimate(call.request.arcs.map((a) => ({ start: a.start, end: a.end }))).then(
        (est) => cb(null, { keys: est.map((e) => String(e.keys)), bytes: est.map((e) => String(e.bytes)) }),
        (err) => fail(cb, err, 'EstimateArcs'),
      );
    },
    Stats(call, cb) {
      const counted = call.request.withoutCounts ? Promise.resolve({ keys: 0, bytes: 0, tombstones: 0, records: 0 }) : engine.stats();
      counted.then(
        (s) => cb(null, {
          nodeId: engine.nodeId,
          epoch: engine.epoch.toString(),
          keys: String(s.keys),
          bytes: String(s.bytes),
          tombstones: String(s.tombstones),
          records: String(s.records),
          lease: leaseProto(engine.leaseFence.lease),
        }),
        (err) => fail(cb, err, 'Stats'),
      );
    },
  };
}

/** A server stream of arc-copy progress (MigrateArc, CatchUp): written with backpressure, ended with its status. */
function streamProgress(
  call: ServerWritableStream<unknown, MigrateArcProgress>, what: string, log: Logger,
  start: (signal: AbortSignal) => AsyncGenerator<ArcProgress>,
): void {
  const abort = new AbortController();
  call.on('cancelled', () => abort.abort());
  (async () => {
    for await (const p of start(abort.signal)) {
      if (!call.write({ keys: String(p.keys), bytes: String(p.bytes), done: p.done, arcIndex: p.arc })) {
        await new Promise((resolve) => call.once('drain', resolve));
      }
    }
    call.end();
  })().catch((err) => {
    if (!(err instanceof RingKvError)) log.error({ err }, `${what} failed`);
    // emit('error') makes grpc-js send the status; destroy() would skip it and leave the
    // router's stream open forever (a migration that never fails, so never retries).
    call.emit('error', streamError(err));
  });
}

function errorCodeOf(err: unknown): string {
  return err instanceof RingKvError ? err.code : ErrorCode.INTERNAL;
}

function leaseProto(l: { primary: boolean; held: boolean; remainingMs: number; grantor: string; durationMs: number }) {
  return { primary: l.primary, held: l.held, remainingMs: String(l.remainingMs), grantor: l.grantor, durationMs: String(l.durationMs) };
}
