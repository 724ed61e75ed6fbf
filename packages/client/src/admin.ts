import {
  ErrorCode,
  MAX_REPLICATION_FACTOR,
  RingKvError,
  clusterMapFromProto,
  type ArcGroup__Output,
  type ArcMove__Output,
  type ClusterMap,
  type PlanResponse__Output,
  type StatusResponse__Output,
} from '@ringkv/core';
import type { MembershipChange, RouterTransport } from './transport.js';
import { u64 } from './results.js';
import type {
  AddShardOptions,
  ArcGroupStatus,
  ArcMigration,
  ArcMigrationState,
  CallOptions,
  ChangeOptions,
  ClusterStatus,
  MigrationPlan,
  RemoveShardOptions,
  ReplicaState,
} from './types.js';

/**
 * Runs one router call within a call context (provided by the client). Idempotent calls move
 * to another router on UNAVAILABLE; membership changes do not (the first may have committed).
 */
export type RouterCall = <T>(
  what: string,
  options: CallOptions,
  fn: (router: RouterTransport, deadline: number, signal: AbortSignal) => Promise<T>,
  idempotent?: boolean,
) => Promise<T>;

/** Cluster administration through the routers: `client.admin`. */
export class AdminApi {
  readonly #call: RouterCall;

  /** @internal */
  constructor(call: RouterCall) {
    this.#call = call;
  }

  /** The cluster's epoch, shards (with live key counts) and migrations, as a router sees them. */
  async status(options: CallOptions & { counts?: boolean } = {}): Promise<ClusterStatus> {
    const withoutCounts = options.counts === false;
    const res = await this.#call('status', options, (r, deadline, signal) => r.status(deadline, signal, withoutCounts));
    return toClusterStatus(res);
  }

  /** The router's current cluster map. */
  async clusterMap(options: CallOptions = {}): Promise<ClusterMap> {
    const reply = await this.#call('clusterMap', options, (r, deadline, signal) => r.clusterMap(deadline, signal));
    if (!reply.map) throw new RingKvError(ErrorCode.UNAVAILABLE, 'the router has no cluster map yet (not bootstrapped)');
    return clusterMapFromProto(reply.map);
  }

  /**
   * Adds the storage node running at `address` (started with `--id id`) as a shard, and
   * starts moving to it the arcs it takes over. Resolves once the plan is committed; the
   * migration continues in the background (watch `status().migrations`).
   */
  async addShard(id: string, address: string, options: AddShardOptions = {}): Promise<MigrationPlan> {
    checkString('addShard', 'id', id);
    checkString('addShard', 'address', address);
    const weight = options.weight ?? 1;
    checkWeight('addShard', weight);
    return this.#change('addShard', options, {
      method: 'addShard',
      request: { id, address, weight, dryRun: options.dryRun ?? false },
    });
  }

  /**
   * Drains shard `id` (moves all its arcs to the others); when done it leaves the map. With
   * `force` the shard is taken to be gone for good: its arcs are copied from their other
   * in-sync replicas (refused with UNAVAILABLE when an arc has none, as at replication factor 1).
   */
  async removeShard(id: string, options: RemoveShardOptions = {}): Promise<MigrationPlan> {
    checkString('removeShard', 'id', id);
    if (options.force !== undefined && typeof options.force !== 'boolean') {
      throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `removeShard: force must be a boolean, got ${String(options.force)}`);
    }
    return this.#change('removeShard', options, {
      method: 'removeShard',
      request: { id, dryRun: options.dryRun ?? false, force: options.force ?? false },
    });
  }

  /**
   * Sets the replication factor (copies of every key, 1 to 5): copies every arc to the
   * replicas it gains, like a membership change, and drops the extra copies when it lowers.
   * Resolves once the plan is committed; the copies are made in the background (watch
   * `status().migrations`; `status().replicationFactor` changes when they are done). A
   * cluster with fewer shards than `n` keeps one copy on each shard until more join.
   */
  async setReplicationFactor(n: number, options: ChangeOptions = {}): Promise<MigrationPlan> {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_REPLICATION_FACTOR) {
      throw new RingKvError(
        ErrorCode.INVALID_ARGUMENT,
        `setReplicationFactor: the replication factor must be an integer from 1 to ${MAX_REPLICATION_FACTOR}, got ${String(n)}`,
      );
    }
    return this.#change('setReplicationFactor', options, {
      method: 'setReplicationFactor',
      request: { replicationFactor: n, dryRun: options.dryRun ?? false },
    });
  }

  /** Gives shard `id` a new relative share of the ring and moves the arcs that change owner. */
  async setWeight(id: string, weight: number, options: ChangeOptions = {}): Promise<MigrationPlan> {
    checkString('setWeight', 'id', id);
    checkWeight('setWeight', weight);
    return this.#change('setWeight', options, { method: 'setWeight', request: { id, weight, dryRun: options.dryRun ?? false } });
  }

  /**
   * The arcs of the change in progress that are not done yet (none when the cluster is
   * settled); without `dryRun` it also restarts the coordinator's migration loop, which
   * resumes a stalled change. It never starts a new change.
   */
  async rebalance(options: ChangeOptions = {}): Promise<MigrationPlan> {
    return this.#change('rebalance', options, { method: 'rebalance', request: { dryRun: options.dryRun ?? false } });
  }

  async #change(what: string, options: ChangeOptions, change: MembershipChange): Promise<MigrationPlan> {
    if (options.dryRun !== undefined && typeof options.dryRun !== 'boolean') {
      throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `${what}: dryRun must be a boolean`);
    }
    // A dry run changes nothing, so it may be retried like a read.
    const idempotent = options.dryRun === true;
    const res = await this.#call(what, options, (r, deadline, signal) => r.changeMembership(change, deadline, signal), idempotent);
    return toMigrationPlan(res);
  }
}

function checkString(what: string, name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `${what}: ${name} must be a non-empty string`);
  }
}

/** Caught here so a bad weight never reaches the router; the router checks again. */
function checkWeight(what: string, weight: unknown): void {
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `${what}: weight must be a number > 0, got ${String(weight)}`);
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
      // A router without replication sends no state: every shard is then in sync.
      replicaState: (s.replicaState || 'in_sync') as ReplicaState,
      ...(s.lease ? {
        lease: {
          primary: s.lease.primary, held: s.lease.held, remainingMs: Number(s.lease.remainingMs), grantor: s.lease.grantor,
          durationMs: Number(s.lease.durationMs),
        },
      } : {}),
    })),
    migrations: res.migrations.map(toArcMigration),
    ...(res.migrationError ? { migrationError: res.migrationError } : {}),
    replicationFactor: res.replicationFactor || 1,
    arcGroups: res.arcGroups.map(toArcGroup),
    underReplicatedArcs: res.underReplicatedArcs,
    underReplicatedFraction: res.underReplicatedFraction,
    ...(res.replicationError ? { replicationError: res.replicationError } : {}),
    controlPlane: res.controlPlane || 'file',
    ...(res.coordinator ? { coordinator: { id: res.coordinator, address: res.coordinatorAddress } } : {}),
    routers: res.routers.map((r) => ({
      id: r.id, address: r.address, epoch: u64(r.epoch), coordinator: r.coordinator, version: r.version, reportedMsAgo: Number(r.reportedMsAgo),
    })),
    ...(res.controlPlaneError ? { controlPlaneError: res.controlPlaneError } : {}),
    answeredBy: res.answeredBy,
  };
}

function toArcGroup(g: ArcGroup__Output): ArcGroupStatus {
  return {
    replicas: [...g.replicas],
    primary: g.primary,
    inSync: [...g.inSync],
    arcs: g.arcs,
    fraction: g.fraction,
    underReplicated: g.underReplicated,
  };
}

export function toMigrationPlan(res: PlanResponse__Output): MigrationPlan {
  return {
    epoch: u64(res.epoch),
    committed: res.committed,
    arcs: res.arcs.map(toArcMigration),
    estimatedKeys: u64(res.estimatedKeys),
    estimatedBytes: u64(res.estimatedBytes),
    fraction: res.fraction,
  };
}

function toArcMigration(a: ArcMove__Output): ArcMigration {
  return {
    start: a.start,
    end: a.end,
    from: a.from,
    to: a.to,
    targets: [...a.targets],
    // A newer router may report a state this client does not know; it is passed through.
    state: a.state as ArcMigrationState,
    keysMoved: u64(a.keysMoved),
    bytesMoved: u64(a.bytesMoved),
    estimatedKeys: u64(a.estimatedKeys),
    estimatedBytes: u64(a.estimatedBytes),
  };
}
