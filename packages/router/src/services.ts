import {
  ErrorCode, RingKvError, clusterMapToProto, toServiceError,
  type AdminHandlers, type KVHandlers, type Logger, type ShardStatus,
} from '@ringkv/core';
import type { sendUnaryData } from '@grpc/grpc-js';
import type { Forwarder } from './forwarder.js';
import type { Scanner } from './scanner.js';
import type { Topology } from './topology.js';

/** Largest batch one KV.Execute may carry. */
export const MAX_OPS_PER_REQUEST = 10_000;
const STATUS_TIMEOUT_MS = 3_000;

function failer(log: Logger) {
  return (cb: sendUnaryData<never>, err: unknown, what: string) => {
    if (!(err instanceof RingKvError)) log.error({ err }, `${what} failed`);
    cb(toServiceError(err) as never, null);
  };
}

/** ringkv.v1.KV, the client-facing data API. */
export function kvHandlers(forwarder: Forwarder, scanner: Scanner, log: Logger): KVHandlers {
  const fail = failer(log);
  return {
    Execute(call, cb) {
      const { ops } = call.request;
      if (ops.length > MAX_OPS_PER_REQUEST) {
        return fail(cb, new RingKvError(ErrorCode.INVALID_ARGUMENT, `batch of ${ops.length} ops exceeds ${MAX_OPS_PER_REQUEST}`), 'Execute');
      }
      forwarder.execute(ops).then((results) => cb(null, { results }), (err) => fail(cb, err, 'Execute'));
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

/** ringkv.v1.Admin: status and the cluster map. */
export function adminHandlers(topology: Topology, log: Logger): AdminHandlers {
  const fail = failer(log);
  return {
    Status(_call, cb) {
      const map = topology.map;
      Promise.all(map.members.map(async (m): Promise<ShardStatus> => {
        const base = { id: m.id, address: m.address, weight: m.weight, state: m.state };
        try {
          const s = await topology.shard(m.id).stats(STATUS_TIMEOUT_MS);
          return { ...base, keys: s.keys, bytes: s.bytes, reachable: true, error: '' };
        } catch (err) {
          return { ...base, keys: '0', bytes: '0', reachable: false, error: (err as Error).message };
        }
      })).then(
        (shards) => cb(null, {
          clusterId: map.clusterId,
          epoch: map.epoch.toString(),
          shards,
          migrations: clusterMapToProto(map).migrations ?? [],
        }),
        (err) => fail(cb, err, 'Status'),
      );
    },
    GetClusterMap(_call, cb) {
      cb(null, { map: clusterMapToProto(topology.map), nodeId: '' });
    },
  };
}
