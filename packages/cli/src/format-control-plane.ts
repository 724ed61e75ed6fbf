import Table from 'cli-table3';
import type { ClusterStatus, RouterStatus, ShardStatus } from '@ringkv/client';

// The control-plane and primary-lease sections of the human `status`. Plain tables: no colours.

function table(head: string[], colAligns?: Array<'left' | 'right'>): Table.Table {
  return new Table({ head, style: { head: [], border: [] }, ...(colAligns ? { colAligns } : {}) });
}

const byId = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** Routers listed by the human `status`; `status --json` lists them all. */
export const STATUS_ROUTERS = 10;

/** Shards listed in the lease table of the human `status`; `status --json` has every lease. */
export const STATUS_LEASES = 12;

/** Grantors are random per coordinator term: a prefix tells terms apart. */
const GRANTOR_CHARS = 12;

/**
 * Where the map lives and who coordinates, then every live router with the epoch it has seen. A
 * lone router fits on the first line, so a single-process cluster's status stays short.
 */
export function controlPlaneLines(s: ClusterStatus): string[] {
  const where = s.controlPlane === 'file' ? 'file (the router\'s data dir)' : s.controlPlane;
  // On a file a router that does not lead only serves (--serve-only); on etcd none is elected.
  const who = s.coordinator ? `coordinator ${named(s.coordinator)}`
    : s.controlPlane === 'file' ? 'coordinator: not this router (it only serves)' : 'coordinator: none elected';
  const routers = [...s.routers].sort((a, b) => Number(b.coordinator) - Number(a.coordinator) || byId(a.id, b.id));
  const newest = routers.reduce((e, r) => (r.epoch > e ? r.epoch : e), s.epoch);
  const lone = routers.length === 1 ? routers[0]! : undefined;
  const lines: string[] = [];
  if (lone) {
    const which = lone.id === s.coordinator?.id ? '' : ` ${named(lone)}`;
    const when = lone.id === s.answeredBy ? '' : `, reported it ${reported(lone, s)}`;
    lines.push(`control plane: ${where}, ${who}; 1 router${which} at epoch ${epochLabel(lone, newest)}${when}`);
  } else lines.push(`control plane: ${where}, ${who}`);
  if (s.controlPlaneError) lines.push(`control plane error: ${s.controlPlaneError}`);
  if (routers.length > 1) {
    const behind = routers.filter((r) => r.epoch < newest).length;
    lines.push(`routers: ${routers.length}, ${behind > 0 ? `${behind} behind epoch ${newest}` : `all at epoch ${newest}`}`);
    const t = table(['router', 'address', 'epoch', 'coordinator', 'reported'], ['left', 'left', 'right', 'left', 'left']);
    for (const r of routers.slice(0, STATUS_ROUTERS)) t.push([r.id, r.address, epochLabel(r, newest), r.coordinator ? 'yes' : '', reported(r, s)]);
    lines.push(t.toString());
    if (routers.length > STATUS_ROUTERS) lines.push(`... ${routers.length - STATUS_ROUTERS} more routers (ringkv status --json lists them all)`);
  }
  return lines;
}

/** `ringkv dev` names a lone router by its address: no need to say it twice. */
function named(r: { id: string; address: string }): string {
  return r.id === r.address ? r.id : `${r.id} (${r.address})`;
}

function epochLabel(r: RouterStatus, newest: bigint): string {
  return r.epoch < newest ? `${r.epoch} (behind)` : `${r.epoch}`;
}

/**
 * When a router last wrote its epoch (on etcd: when it changed, or on a new session lease),
 * by its own clock. Being listed at all means it is alive: its entry lives on its lease.
 */
function reported(r: RouterStatus, s: ClusterStatus): string {
  if (r.id === s.answeredBy) return 'answered';
  const ms = r.reportedMsAgo;
  if (ms < 1000) return `${ms} ms ago`;
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s ago` : `${Math.round(ms / 1000)} s ago`;
}

/**
 * Each shard's primary lease, only when the cluster has leases (replication factor > 1, or a
 * shard reports that it needs one). A shard that serves arcs as primary without a lease
 * refuses them (TRY_AGAIN): it is flagged `NOT HELD` and listed first.
 */
export function leaseLines(s: ClusterStatus): string[] {
  if (s.replicationFactor <= 1 && !s.shards.some((sh) => sh.lease?.primary)) return [];
  const primaries = new Set(s.arcGroups.map((g) => g.primary).filter((p) => p !== ''));
  const leading = s.shards.filter((sh) => primaries.has(sh.id));
  const missing = leading.filter((sh) => !sh.lease?.held);
  const grantors = new Set(s.shards.flatMap((sh) => (sh.lease?.held ? [sh.lease.grantor] : [])));
  const durations = new Set(s.shards.flatMap((sh) => (sh.lease?.held ? [sh.lease.durationMs] : [])));
  const common = grantors.size === 1 && durations.size === 1
    ? ` (${[...durations][0]} ms each, granted by ${short([...grantors][0]!)})` : '';
  const lines = [missing.length === 0
    ? `primary leases: all ${leading.length} ${leading.length === 1 ? 'primary holds one' : 'primaries hold one'}${common}`
    : `primary leases: ${missing.length} of ${leading.length} ${leading.length === 1 ? 'primary' : 'primaries'} NOT HELD ` +
      `(${missing.slice(0, 5).map((sh) => sh.id).join(', ')}${missing.length > 5 ? ', ...' : ''}): they answer TRY_AGAIN`];
  const rank = (sh: ShardStatus) => (primaries.has(sh.id) && !sh.lease?.held ? 0 : sh.lease?.held ? 2 : 1);
  const shards = [...s.shards].sort((a, b) => rank(a) - rank(b) || byId(a.id, b.id));
  const t = table(['shard', 'lease', 'left', 'duration', 'grantor'], ['left', 'left', 'right', 'right', 'left']);
  for (const sh of shards.slice(0, STATUS_LEASES)) {
    const l = sh.lease;
    if (!l) t.push([sh.id, 'unknown', '', '', sh.reachable ? '' : '(unreachable)']);
    else {
      const state = l.held ? 'held' : primaries.has(sh.id) ? 'NOT HELD' : 'not held';
      t.push([sh.id, state, `${l.remainingMs} ms`, l.durationMs > 0 ? `${l.durationMs} ms` : '', l.grantor ? short(l.grantor) : '(none)']);
    }
  }
  lines.push(t.toString());
  const hidden = shards.length - STATUS_LEASES;
  if (hidden > 0) lines.push(`... ${hidden} more ${hidden === 1 ? 'shard' : 'shards'} (ringkv status --json lists every lease)`);
  return lines;
}

function short(grantor: string): string {
  return grantor.length <= GRANTOR_CHARS ? grantor : `${grantor.slice(0, GRANTOR_CHARS - 1)}…`;
}
