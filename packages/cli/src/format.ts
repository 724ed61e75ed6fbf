import Table from 'cli-table3';
import { formatArc, type ClusterMap } from '@ringkv/core';
import type { ArcMigration, ClusterStatus, ScanEntry } from '@ringkv/client';

/** Plain tables: no colours, so output is the same on a terminal and in a pipe. */
function table(head: string[], colAligns?: Array<'left' | 'right'>): Table.Table {
  return new Table({ head, style: { head: [], border: [] }, ...(colAligns ? { colAligns } : {}) });
}

/**
 * `status --json`: counts as JSON numbers (exact below 2^53, which key and byte counts stay
 * under); `migrationError` only while the coordinator is retrying a failed step.
 */
export function statusJson(s: ClusterStatus): string {
  return JSON.stringify({
    epoch: Number(s.epoch),
    shards: s.shards.map((sh) => ({
      id: sh.id,
      address: sh.address,
      weight: sh.weight,
      state: sh.state,
      keys: Number(sh.keys),
      bytes: Number(sh.bytes),
    })),
    migrations: s.migrations.map(migrationJson),
    ...(s.migrationError ? { migrationError: s.migrationError } : {}),
  });
}

/** One migration as `status --json` and `migrations --json` print it. */
export function migrationJson(m: ArcMigration): Record<string, string | number> {
  return {
    arc: formatArc(m),
    from: m.from,
    to: m.to,
    state: m.state,
    keysMoved: Number(m.keysMoved),
    bytesMoved: Number(m.bytesMoved),
  };
}

/** Arcs listed by the human `status`; `ringkv migrations` lists them all. */
const STATUS_ARCS = 10;

export function statusText(s: ClusterStatus): string {
  const lines = [`cluster ${s.clusterId}  epoch ${s.epoch}`];
  const t = table(['shard', 'address', 'weight', 'state', 'reachable', 'keys', 'bytes'], ['left', 'left', 'right', 'left', 'left', 'right', 'right']);
  let keys = 0n;
  let bytes = 0n;
  for (const sh of s.shards) {
    keys += sh.keys;
    bytes += sh.bytes;
    const reach = sh.reachable ? 'yes' : `no${sh.error ? `: ${truncate(sh.error, 40)}` : ''}`;
    t.push([sh.id, sh.address, sh.weight, sh.state, reach, sh.keys.toString(), humanBytes(sh.bytes)]);
  }
  lines.push(t.toString());
  lines.push(`${s.shards.length} shards, ${keys} keys, ${humanBytes(bytes)}`);
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
    const m = table(['arc (start, end]', 'from', 'to', 'state', 'keys moved', 'bytes moved'], ['left', 'left', 'left', 'left', 'right', 'right']);
    for (const a of open.slice(0, STATUS_ARCS)) m.push([formatArc(a), a.from, a.to, a.state, a.keysMoved.toString(), humanBytes(a.bytesMoved)]);
    if (open.length > 0) lines.push(m.toString());
    if (open.length > STATUS_ARCS) lines.push(`... ${open.length - STATUS_ARCS} more (ringkv migrations lists every arc)`);
  }
  return lines.join('\n') + '\n';
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
