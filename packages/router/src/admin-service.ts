import {
  ErrorCode, RingKvError, allMembers, arcMoveToProto, arcSize, clusterMapToProto, toServiceError,
  type AdminHandlers, type ArcGroup, type ArcMoveState, type ClusterMap, type Logger, type Ownership, type PlanResponse,
  type RouterInfo, type ShardStatus, type StatusResponse,
} from '@ringkv/core';
import type { Metadata, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { ShardClient, type ShardClientOptions } from './shard-client.js';
import { requirePermission, type AccessControl, type Permission } from './access.js';
import { refusalLogger } from './access-log.js';
import { planAdd, planRemove, planReplication, planWeight, startPlan, type MembershipPlan } from './control/membership.js';
import { AdminForwarder } from './control/admin-forward.js';
import type { ControlPlane } from './control/control-plane.js';

const STATUS_TIMEOUT_MS = 3_000;
const PROBE_TIMEOUT_MS = 3_000;

type Call = ServerUnaryCall<unknown, unknown> & { metadata: Metadata; getPeer(): string; cancelled: boolean };

/**
 * ringkv.v1.Admin: status, the cluster map and membership changes. Status and the map need any
 * token, membership changes (dry runs and Rebalance included) an admin token. Any router takes
 * a change: the coordinator runs it, every other router forwards it there (on etcd), so the
 * commit, the plan and the migration are always the coordinator's.
 */
export function adminHandlers(control: ControlPlane, log: Logger, access: AccessControl, forwarder: AdminForwarder): AdminHandlers {
  const { topology, coordinator, leadership } = control;
  const migrator = coordinator.migrator;
  const fail = (cb: sendUnaryData<never>, err: unknown, what: string) => {
    if (!(err instanceof RingKvError)) log.error({ err }, `${what} failed`);
    cb(toServiceError(err) as never, null);
  };
  const refused = refusalLogger(log);
  /** False (and the call answered) when the caller may not run `method`. */
  const permitted = (call: { metadata: Metadata; getPeer(): string }, cb: sendUnaryData<never>, method: string, needed: Permission): boolean => {
    try {
      requirePermission(access.authenticate(call.metadata), needed, `call Admin.${method}`);
      return true;
    } catch (err) {
      refused(call, `Admin.${method}`, err);
      fail(cb, err, method);
      return false;
    }
  };

  /** Where a call that must run on the coordinator goes: here, or forwarded to it. */
  const onCoordinator = <Res>(method: string, call: Call, local: () => Promise<Res>): Promise<Res> => {
    if (coordinator.leading) return local();
    const leader = leadership.leader();
    if (leadership.kind === 'etcd' && leader && !AdminForwarder.wasForwarded(call.metadata)) {
      const deadline = call.getDeadline();
      const at = deadline instanceof Date ? deadline : Number.isFinite(deadline) ? new Date(deadline) : new Date(Date.now() + 60_000);
      return forwarder.forward<unknown, Res>(leader, method, call.request, call.metadata, at);
    }
    return Promise.reject(notCoordinator(control));
  };

  /** Fills in estimated keys and bytes per arc from the sources (best effort). */
  const estimate = async (moves: ArcMoveState[]): Promise<void> => {
    const bySource = new Map<string, ArcMoveState[]>();
    for (const m of moves) bySource.set(m.from, [...(bySource.get(m.from) ?? []), m]);
    await Promise.all([...bySource].map(async ([id, arcs]) => {
      try {
        const est = await topology.shard(id).estimateArcs(arcs);
        arcs.forEach((a, i) => {
          a.estimatedKeys = est[i]?.keys ?? 0n;
          a.estimatedBytes = est[i]?.bytes ?? 0n;
        });
      } catch (err) {
        log.warn({ shard: id, err: (err as Error).message }, 'could not estimate arcs');
      }
    }));
  };

  const run = async (plan: MembershipPlan, dryRun: boolean, call: { cancelled: boolean }, leaving?: string): Promise<PlanResponse> => {
    await estimate(plan.moves);
    const totals = {
      estimatedKeys: plan.moves.reduce((a, m) => a + m.estimatedKeys, 0n).toString(),
      estimatedBytes: plan.moves.reduce((a, m) => a + m.estimatedBytes, 0n).toString(),
      fraction: plan.fraction,
      arcs: plan.moves.map(arcMoveToProto),
    };
    if (dryRun) return { ...totals, epoch: topology.epoch.toString(), committed: false };
    // Estimating can take a while: a caller that gave up meanwhile must find nothing changed.
    if (call.cancelled) throw new RingKvError(ErrorCode.CANCELLED, 'the caller gave up before the change was committed; nothing changed');
    const map = await coordinator.commit((m) => startPlan(m, plan, leaving));
    migrator.ensureRunning();
    log.info({ epoch: map.epoch.toString(), arcs: plan.moves.length, fraction: plan.fraction }, 'membership change committed');
    return { ...totals, epoch: map.epoch.toString(), committed: true };
  };

  /**
   * A change: planned and run on the coordinator. Through a promise so that a plan refused
   * synchronously (planRemove, planWeight) is answered with its code rather than escaping to
   * grpc-js as UNKNOWN.
   */
  const change = (method: string, call: Call, cb: sendUnaryData<PlanResponse>, work: () => Promise<PlanResponse>) => {
    if (!permitted(call, cb as sendUnaryData<never>, method, 'admin')) return;
    Promise.resolve().then(() => onCoordinator(method, call, work))
      .then((res) => cb(null, res), (err) => fail(cb as sendUnaryData<never>, err, method));
  };

  const localStatus = async (withoutCounts: boolean): Promise<StatusResponse> => {
    const map = topology.map;
    const states = memberStates(map);
    const shards = await Promise.all(allMembers(map).map(async (m): Promise<ShardStatus> => {
      const base = {
        id: m.id, address: m.address, weight: m.weight, state: states.get(m.id) ?? m.state, replicaState: topology.ownership.replicaState(m.id),
      };
      try {
        const s = await topology.shard(m.id).stats(STATUS_TIMEOUT_MS, withoutCounts);
        return { ...base, keys: s.keys, bytes: s.bytes, reachable: true, error: '', lease: s.lease };
      } catch (err) {
        return { ...base, keys: '0', bytes: '0', reachable: false, error: (err as Error).message, lease: null };
      }
    }));
    const plane = await controlPlaneStatus(control);
    return {
      clusterId: map.clusterId,
      epoch: map.epoch.toString(),
      shards,
      migrations: map.migrations.map((m) => arcMoveToProto({ ...m, ...migrator.progressOf(m) })),
      migrationError: coordinator.leading ? migrator.lastError : '',
      replicationFactor: map.replicationFactor,
      replicationError: coordinator.leading ? coordinator.failover.lastError : '',
      ...arcGroups(topology.ownership),
      ...plane,
    };
  };

  return {
    Status(call, cb) {
      if (!permitted(call, cb, 'Status', 'read')) return;
      const withoutCounts = call.request.withoutCounts;
      // The coordinator knows the live progress of a change and why a step is retrying: ask it
      // (its answer names it), and answer from here when it cannot be reached.
      const forwarded = !coordinator.leading && leadership.kind === 'etcd' && leadership.leader() && !AdminForwarder.wasForwarded(call.metadata)
        ? onCoordinator<StatusResponse>('Status', call as Call, () => localStatus(withoutCounts)).catch(async (err: unknown) => {
          const own = await localStatus(withoutCounts);
          return { ...own, controlPlaneError: own.controlPlaneError || `coordinator unreachable: ${(err as Error).message}` };
        })
        : localStatus(withoutCounts);
      forwarded.then((res) => cb(null, res), (err) => fail(cb, err, 'Status'));
    },
    GetClusterMap(call, cb) {
      if (!permitted(call, cb, 'GetClusterMap', 'read')) return;
      cb(null, { map: clusterMapToProto(topology.map), nodeId: '' });
    },
    AddShard(call, cb) {
      const { id, address, dryRun } = call.request;
      const weight = call.request.weight === 0 ? 1 : call.request.weight;
      change('AddShard', call as Call, cb, async () => {
        const plan = planAdd(topology.map, id, address, weight);
        await probeNewShard(topology.map, id, address, topology.shardOptions);
        return run(plan, dryRun, call);
      });
    },
    RemoveShard(call, cb) {
      const { id, dryRun, force } = call.request;
      change('RemoveShard', call as Call, cb, async () => {
        const plan = planRemove(topology.map, id, force);
        // Without --force the shard streams its arcs away itself: it must be up.
        const source = plan.moves.some((m) => m.from === id);
        if (!force && !dryRun && source) {
          await topology.shard(id).identify(PROBE_TIMEOUT_MS).catch((err: RingKvError) => {
            throw new RingKvError(ErrorCode.UNAVAILABLE,
              `cannot reach shard ${id} (${err.message}); if it will never return, remove it with --force to re-replicate its arcs from the other replicas`);
          });
        }
        return run(plan, dryRun, call, id);
      });
    },
    SetReplicationFactor(call, cb) {
      const { replicationFactor, dryRun } = call.request;
      change('SetReplicationFactor', call as Call, cb, () => run(planReplication(topology.map, replicationFactor), dryRun, call));
    },
    SetWeight(call, cb) {
      const { id, weight, dryRun } = call.request;
      change('SetWeight', call as Call, cb, () => run(planWeight(topology.map, id, weight), dryRun, call));
    },
    Rebalance(call, cb) {
      change('Rebalance', call as Call, cb, async () => {
        const map = topology.map;
        // Remaining work of a change in progress, else nothing: the ring decides placement.
        const moves = map.migrations.filter((m) => m.state !== 'done').map((m) => ({ ...m }));
        // The coordinator resumes a change by itself; this only makes sure it is running now.
        if (!call.request.dryRun) migrator.ensureRunning();
        await estimate(moves);
        return {
          epoch: map.epoch.toString(), arcs: moves.map(arcMoveToProto), committed: false, fraction: 0,
          estimatedKeys: moves.reduce((a, m) => a + m.estimatedKeys, 0n).toString(),
          estimatedBytes: moves.reduce((a, m) => a + m.estimatedBytes, 0n).toString(),
        };
      });
    },
  };
}

function notCoordinator(control: ControlPlane): RingKvError {
  if (control.leadership.kind === 'serve-only') {
    return new RingKvError(ErrorCode.UNAVAILABLE,
      'this router only serves (--serve-only): make cluster changes through the router that coordinates, or run the routers on etcd so that any of them takes changes');
  }
  const why = control.lastError ? ` (${control.lastError})` : '';
  return new RingKvError(ErrorCode.UNAVAILABLE, `no coordinator is elected right now${why}; cluster changes wait for one — retry in a few seconds`);
}

/** The control-plane fields of Status: where the map lives, who coordinates, every router. */
async function controlPlaneStatus(control: ControlPlane): Promise<Pick<StatusResponse,
  'controlPlane' | 'coordinator' | 'coordinatorAddress' | 'routers' | 'controlPlaneError' | 'answeredBy'>> {
  const leader = control.leadership.leader();
  const self = control.self;
  let error = control.lastError;
  let routers: RouterInfo[];
  try {
    const now = Date.now();
    routers = (await control.registry.list()).map((r) => ({
      id: r.id, address: r.address, epoch: (r.id === self.id ? control.topology.epoch : r.epoch).toString(), coordinator: r.id === leader?.id,
      version: r.version, reportedMsAgo: String(r.id === self.id ? 0 : Math.max(0, now - r.reportedAtMs)),
    }));
  } catch (err) {
    error ||= (err as Error).message;
    routers = [];
  }
  if (!routers.some((r) => r.id === self.id)) {
    routers.push({ id: self.id, address: self.address, epoch: control.topology.epoch.toString(), coordinator: control.coordinator.leading, version: control.version, reportedMsAgo: '0' });
  }
  if (!leader && control.leadership.kind === 'etcd') error ||= 'no coordinator is elected right now';
  return {
    controlPlane: control.kind, coordinator: leader?.id ?? '', coordinatorAddress: leader?.address ?? '', routers, controlPlaneError: error,
    answeredBy: self.id,
  };
}

/**
 * The arcs grouped by preference list, with each group's primary and in-sync replicas, and
 * the under-replicated share of the ring (fewer in-sync replicas than the replication factor
 * asks for, or than the cluster has shards).
 */
export function arcGroups(own: Ownership): { arcGroups: ArcGroup[]; underReplicatedArcs: number; underReplicatedFraction: number } {
  const map = own.map;
  const want = Math.min(map.replicationFactor, map.members.length);
  const groups = new Map<string, ArcGroup & { last: number }>();
  let underArcs = 0;
  let underSize = 0;
  for (const iv of own.intervals()) {
    const key = iv.replicas.join(',');
    let g = groups.get(key);
    const under = iv.inSync.length < Math.max(want, iv.replicas.length);
    if (!g) {
      groups.set(key, (g = {
        replicas: [...iv.replicas], primary: iv.inSync[0] ?? '', inSync: [...iv.inSync], arcs: 0, fraction: 0, underReplicated: under, last: -1,
      }));
    }
    const size = iv.start === iv.end ? 2 ** 32 : arcSize(iv);
    g.fraction = (g.fraction as number) + size / 2 ** 32;
    // Adjacent intervals of one group are one arc.
    if (g.last !== iv.start) {
      g.arcs = (g.arcs as number) + 1;
      if (under) underArcs++;
    }
    if (under) underSize += size;
    g.last = iv.end;
  }
  const arcGroupsOut = [...groups.values()].map(({ last: _last, ...g }) => g)
    .sort((a, b) => (a.primary! < b.primary! ? -1 : a.primary! > b.primary! ? 1 : (b.fraction as number) - (a.fraction as number)));
  return { arcGroups: arcGroupsOut, underReplicatedArcs: underArcs, underReplicatedFraction: underSize / 2 ** 32 };
}

/** A shard's state as shown to operators: joining / leaving during a change, else active. */
function memberStates(map: ClusterMap): Map<string, string> {
  const out = new Map<string, string>();
  const now = new Set(map.members.map((m) => m.id));
  const next = new Set(map.nextMembers.map((m) => m.id));
  for (const m of map.members) out.set(m.id, map.nextMembers.length > 0 && !next.has(m.id) ? 'leaving' : m.state);
  for (const m of map.nextMembers) if (!now.has(m.id)) out.set(m.id, 'joining');
  return out;
}

/** The new shard must be running, must be the node it claims, and must not belong to another cluster. */
async function probeNewShard(map: ClusterMap, id: string, address: string, options: ShardClientOptions): Promise<void> {
  const client = new ShardClient({ id, address }, () => 0n, { ...options, requestTimeoutMs: PROBE_TIMEOUT_MS });
  try {
    const { nodeId, map: theirs } = await client.identify(PROBE_TIMEOUT_MS).catch((err: RingKvError) => {
      throw new RingKvError(ErrorCode.UNAVAILABLE, `cannot reach the new shard at ${address}: ${err.message}`);
    });
    if (nodeId !== id) {
      throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `the node at ${address} is "${nodeId}", not "${id}" (its --id)`);
    }
    if (theirs && theirs.clusterId !== map.clusterId) {
      throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `shard ${id} at ${address} already belongs to another cluster (${theirs.clusterId})`);
    }
  } finally {
    client.close();
  }
}

