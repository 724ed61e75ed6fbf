import {
  ErrorCode, RingKvError, clusterMapFromProto, clusterMapToProto, toServiceError,
  type NodeHandlers,
} from '@ringkv/core';
import type { sendUnaryData } from '@grpc/grpc-js';
import type { StorageEngine } from './storage-engine.js';
import type { Logger } from '@ringkv/core';

/** Largest batch one Execute may carry. */
export const MAX_OPS_PER_REQUEST = 10_000;
const MAX_SCAN_LIMIT = 10_000;

/** gRPC handlers of ringkv.v1.Node: proto in, engine call, proto out; errors converted once. */
export function nodeServiceHandlers(engine: StorageEngine, log: Logger): NodeHandlers {
  const fail = (cb: sendUnaryData<never>, err: unknown, what: string) => {
    if (!(err instanceof RingKvError)) log.error({ err }, `${what} failed`);
    cb(toServiceError(err) as never, null);
  };
  return {
    Execute(call, cb) {
      const { epoch, ops } = call.request;
      if (ops.length > MAX_OPS_PER_REQUEST) {
        return fail(cb, new RingKvError(ErrorCode.INVALID_ARGUMENT, `batch of ${ops.length} ops exceeds ${MAX_OPS_PER_REQUEST}`), 'Execute');
      }
      engine.execute(BigInt(epoch), ops).then(
        (results) => cb(null, { results, epoch: engine.epoch.toString() }),
        (err) => fail(cb, err, 'Execute'),
      );
    },
    Scan(call, cb) {
      const r = call.request;
      const limit = Math.min(Math.max(r.limit || 1000, 1), MAX_SCAN_LIMIT);
      const maxExamined = Math.max(r.maxExamined || limit * 10, limit);
      engine.scan({ epoch: BigInt(r.epoch), after: r.after, prefix: r.prefix, limit, maxExamined }).then(
        (res) => cb(null, res),
        (err) => fail(cb, err, 'Scan'),
      );
    },
    GetClusterMap(_call, cb) {
      const map = engine.clusterMap;
      cb(null, { nodeId: engine.nodeId, ...(map ? { map: clusterMapToProto(map) } : {}) });
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
    Stats(_call, cb) {
      engine.stats().then(
        (s) => cb(null, {
          nodeId: engine.nodeId,
          epoch: engine.epoch.toString(),
          keys: String(s.keys),
          bytes: String(s.bytes),
          tombstones: String(s.tombstones),
          records: String(s.records),
        }),
        (err) => fail(cb, err, 'Stats'),
      );
    },
  };
}
