import Table from 'cli-table3';
import { formatArc, type ClusterMap } from '@ringkv/core';
import type { ArcGroupStatus, ArcMigration, ClusterStatus, ScanEntry } from '@ringkv/client';
import { controlPlaneLines, leaseLines } from './format-control-plane.js';

/** Plain tables: no colours, so output is the same on a terminal and in a pipe. */
function table(head: string[], colAligns?: Array<'left' | 'right'>): Table.Table {
  return new Table({ head, style: { head: [], border: [] }, ...(colAligns ? { colAligns } : {}) });
}

/**
 * `status --json`: counts as JSON numbers (exact below 2^53, which key and byte counts stay
 * under); `migrationError` and `replicationError` only while the coordinator is retrying a
 * failed step; a shard's `lease` when it reported one. Every arc group and router is listed
 * (the human form caps them).
 */
export function statusJson(s: ClusterStatus): string {
  return JSON.stringify({
    epoch: Number(s.epoch),
    shards: s.shards.map((sh) => ({
      id: sh.id,
      address: sh.address,
      weight: sh.weight,
      state: sh.state,
      replicaState: sh.replicaState,
      keys: Number(sh.keys),
      bytes: Number(sh.bytes),
      ...(sh.lease ? {
        lease: { primary: sh.lease.primary, held: sh.lease.held, remainingMs: sh.lease.remainingMs, grantor: sh.lease.grantor, durationMs: sh.lease.durationMs },
      } : {}),
    })),
    migrations: s.migrations.map(migrationJson),
    ...(s.migrationError ? { migrationError: s.migrationError } : {}),
    replicationFactor: s.replicationFactor,
    arcGroups: sortedGroups(s.arcGroups).map((g) => ({
      replicas: g.replicas,
      primary: g.primary,
      inSync: g.inSync,
      arcs: g.arcs,
      fraction: g.fraction,
      underReplicated: g.underReplicated,
    })),
    underReplicatedArcs: s.underReplicatedArcs,
    underReplicatedFraction: s.underReplicatedFraction,
    ...(s.replicationError ? { replicationError: s.replicationError } : {}),
    controlPlane: s.controlPlane,
    ...(s.coordinator ? { coordinator: s.coordinator } : {}),
    routers: s.routers.map((r) => ({ id: r.id, address: r.address, epoch: Number(r.epoch), coordinator: r.coordinator })),
    ...(s.controlPlaneError ? { controlPlaneError: s.controlPlaneError } : {}),
  });
}

/** One migration as `status --json` and `migrations --json` print it. */
export function migrationJson(m: ArcMigration): Record<string, string | number | string[]> {
  return {
    arc: formatArc(m),
    from: m.from,
    to: m.to,
    targets: m.targets,
    state: m.state,
    keysMoved: Number(m.keysMoved),
    bytesMoved: Number(m.bytesMoved),
  };
}

/**
 * What an arc move does, in one cell: `from -> to` when it copies the arc to its new primary
 * (every move at replication factor 1); with replicas, the shards that get a copy and the
 * new primary when it changes.
 */
export function moveLabel(m: Pick<ArcMigration, 'from' | 'to' | 'targets'>): string {
  if (m.targets.length === 0) return m.to === m.from ? `${m.from} (no copy)` : `${m.from} -> ${m.to} (hand-off, no copy)`;
  if (m.targets.length === 1 && m.targets[0] === m.to) return `${m.from} -> ${m.to}`;
  return `${m.from} -> ${m.targets.join('+')}${m.to === m.from ? '' : ` (primary ${m.to})`}`;
}

/** Arcs listed by the human `status`; `ringkv migrations` lists them all. */
const STATUS_ARCS = 10;

export function statusText(s: ClusterStatus): string {
  const lines = [`cluster ${s.clusterId}  epoch ${s.epoch}`];
  const t = table(['shard', 'address', 'weight', 'state', 'replica', 'reachable', 'keys', 'bytes'],
    ['left', 'left', 'right', 'left', 'left', 'left', 'right', 'right']);
  let keys = 0n;
  let bytes = 0n;
  for (const sh of s.shards) {
    keys += sh.keys;
    bytes += sh.bytes;
    const reach = sh.reachable ? 'yes' : `no${sh.error ? `: ${truncate(sh.error, 40)}` : ''}`;
    t.push([sh.id, sh.address, sh.weight, sh.state, sh.replicaState, reach, sh.keys.toString(), humanBytes(sh.bytes)]);
  }
  lines.push(t.toString());
  const copies = s.replicationFactor > 1 && s.shards.length > 1 ? ' (every replica counts its keys)' : '';
  lines.push(`${s.shards.length} shards, ${keys} keys, ${humanBytes(bytes)}${copies}`);
  if (s.migrations.length === 0) lines.push('migrations: none');
  else {
    const count = (state: string) => s.migrations.filter((m) => m.state === state).length;
    const moved = s.migrations.reduce((a, m) => a + m.keysMoved, 0n);
    const movedBytes = s.migrations.reduce((a, m) => a + m.bytesMoved, 0n);
    lines.push(
      `migrations: ${s.migrations.length} arcs (${count('done')} done, ${count('copying')} copying, ${count('handoff')} handoff, ` +
        `${count('pending')} pending), ${moved} keys / ${humanBytes(movedBytes)} moved`,
    );
    if (s.migrationError) lines.push(`migration error (retrying): ${s.migrationError}`);
    const open = s.migrations.filter((m) => m.state !== 'done');
    // Arcs being copied first: they are the ones that move.
    open.sort((a, b) => rank(a.state) - rank(b.state));
    const m = table(['arc (start, end]', 'from -> to', 'state', 'keys moved', 'bytes moved'], ['left', 'left', 'left', 'right', 'right']);
    for (const a of open.slice(0, STATUS_ARCS)) m.push([formatArc(a), moveLabel(a), a.state, a.keysMoved.toString(), humanBytes(a.bytesMoved)]);
    if (open.length > 0) lines.push(m.toString());
    if (open.length > STATUS_ARCS) lines.push(`... ${open.length - STATUS_ARCS} more (ringkv migrations lists every arc)`);
  }
  lines.push(...replicationLines(s));
  lines.push(...leaseLines(s));
  lines.push(...controlPlaneLines(s));
  return lines.join('\n') + '\n';
}

/** Arc groups listed by the human `status`; `status --json` lists them all. */
export const STATUS_GROUPS = 12;

/**
 * Arc groups as operators want to read them: under-replicated ones first, then by primary
 * (shard-2 before shard-10), the larger share of the ring first.
 */
export function sortedGroups(groups: readonly ArcGroupStatus[]): ArcGroupStatus[] {
  const byId = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
  return [...groups].sort((a, b) =>
    Number(b.underReplicated) - Number(a.underReplicated) || byId(a.primary, b.primary) || b.fraction - a.fraction || byId(a.replicas.join(), b.replicas.join()));
}

/**
 * The replication section of `status`: the factor, the arc groups (replicas, primary, in-sync
 * replicas, arcs, share of the ring; at most STATUS_GROUPS rows) and a one-line summary of
 * what is under-replicated.
 */
export function replicationLines(s: ClusterStatus): string[] {
  const rf = s.replicationFactor;
  const shards = s.shards.length;
  const groups = sortedGroups(s.arcGroups);
  const want = Math.min(rf, Math.max(shards, 1));
  const few = rf > shards && shards > 0 ? ` (only ${shards} ${shards === 1 ? 'shard' : 'shards'}: ${shards} ${shards === 1 ? 'copy' : 'copies'} of each key)` : '';
  const lines = [`replication: factor ${rf}${few}, ${groups.length} arc ${groups.length === 1 ? 'group' : 'groups'}`];
  if (s.replicationError) lines.push(`replication error (retrying): ${s.replicationError}`);
  if (groups.length > 0) {
    const anyUnder = groups.some((g) => g.underReplicated);
    const head = ['replicas', 'primary', 'in sync', 'arcs', 'ring', ...(anyUnder ? [''] : [])];
    const t = table(head, ['left', 'left', 'left', 'right', 'right', 'left']);
    for (const g of groups.slice(0, STATUS_GROUPS)) {
      const allInSync = g.inSync.length === g.replicas.length && g.replicas.every((r) => g.inSync.includes(r));
      t.push([
        g.replicas.join(','),
        g.primary || '(none)',
        allInSync ? 'all' : g.inSync.length === 0 ? '(none)' : g.inSync.join(','),
        g.arcs,
        pct(g.fraction),
        ...(anyUnder ? [g.underReplicated ? `UNDER-REPLICATED ${g.inSync.length}/${Math.max(want, g.replicas.length)}` : ''] : []),
      ]);
    }
    lines.push(t.toString());
    const hidden = groups.slice(STATUS_GROUPS);
    if (hidden.length > 0) {
      const under = hidden.filter((g) => g.underReplicated).length;
      lines.push(
        `... ${hidden.length} more ${hidden.length === 1 ? 'group' : 'groups'} (${pct(hidden.reduce((a, g) => a + g.fraction, 0))} of the ring` +
          `${under > 0 ? `, ${under} under-replicated` : ''}; ringkv status --json lists them all)`,
      );
    }
  }
  lines.push(
    s.underReplicatedArcs === 0
      ? `under-replicated: none (every arc has ${want} in-sync ${want === 1 ? 'replica' : 'replicas'})`
      : `under-replicated: ${s.underReplicatedArcs} ${s.underReplicatedArcs === 1 ? 'arc' : 'arcs'} (${pct(s.underReplicatedFraction)} of the ring) ` +
          `with fewer than ${want} in-sync replicas`,
  );
  return lines;
}

function pct(f: number): string {
  return `${(Math.min(1, Math.max(0, f)) * 100).toFixed(1)}%`;
}

const rank = (state: string) => ['copying', 'handoff', 'pending'].indexOf(state);

export function shardListJson(map: ClusterMap): string {
  return JSON.stringify({
    epoch: Number(map.epoch),
    shards: map.members.map((m) => ({ id: m.id, address: m.address, weight: m.weight, state: m.state })),
  });
}

export function shardListText(map: ClusterMap): string {
  const t = table(['shard', 'address', 'weight', 'state'], ['left', 'left', 'right', 'left']);
  for (const m of map.members) t.push([m.id, m.address, m.weight, m.state]);
  return `epoch ${map.epoch}\n${t.toString()}\n`;
}

/** One JSON line per entry: UTF-8 text when the bytes are valid UTF-8, else base64 with a marker. */
export function scanEntryJson(e: ScanEntry): string {
  const out: Record<string, string> = {};
  putText(out, 'key', e.key);
  putText(out, 'value', e.value);
  out['version'] = e.version.toString();
  return JSON.stringify(out);
}

function putText(out: Record<string, string>, name: string, bytes: Buffer): void {
  const text = bytes.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(bytes)) out[name] = text;
  else {
    out[name] = bytes.toString('base64');
    out[`${name}Encoding`] = 'base64';
  }
}

export function humanBytes(n: bigint): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
