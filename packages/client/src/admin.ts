import {
  ErrorCode,
  RingKvError,
  clusterMapFromProto,
  type ArcMove__Output,
  type ClusterMap,
  type StatusResponse__Output,
} from '@ringkv/core';
import type { RouterTransport } from './transport.js';
import { u64 } from './results.js';
import type { ArcMigration, CallOptions, ClusterStatus } from './types.js';

/** Runs one idempotent router call within a call context (provided by the client). */
export type RouterCall = <T>(
  what: string,
  options: CallOptions,
  fn: (router: RouterTransport, deadline: number, signal: AbortSignal) => Promise<T>,
) => Promise<T>;

/** Cluster administration through the routers: `client.admin`. */
export class AdminApi {
  readonly #call: RouterCall;

  /** @internal */
  constructor(call: RouterCall) {
    this.#call = call;
  }

  /** The cluster's epoch, shards (with live key counts) and migrations, as a router sees them. */
  async status(options: CallOptions = {}): Promise<ClusterStatus> {
    const res = await this.#call('status', options, (r, deadline, signal) => r.status(deadline, signal));
    return toClusterStatus(res);
  }

  /** The router's current cluster map. */
  async clusterMap(options: CallOptions = {}): Promise<ClusterMap> {
    const reply = await this.#call('clusterMap', options, (r, deadline, signal) => r.clusterMap(deadline, signal));
    if (!reply.map) throw new RingKvError(ErrorCode.UNAVAILABLE, 'the router has no cluster map yet (not bootstrapped)');
    return clusterMapFromProto(reply.map);
  }
}

export function toClusterStatus(res: StatusResponse__Output): ClusterStatus {
  return {
    clusterId: res.clusterId,
    epoch: u64(res.epoch),
    shards: res.shards.map((s) => ({
      id: s.id,
      address: s.address,
      weight: s.weight,
      state: s.state,
      keys: u64(s.keys),
      bytes: u64(s.bytes),
      reachable: s.reachable,
      ...(s.error ? { error: s.error } : {}),
    })),
    migrations: res.migrations.map(toArcMigration),
  };
}

function toArcMigration(a: ArcMove__Output): ArcMigration {
  return {
    start: a.start,
    end: a.end,
    from: a.from,
    to: a.to,
    state: a.state,
    keysMoved: u64(a.keysMoved),
    bytesMoved: u64(a.bytesMoved),
  };
}
