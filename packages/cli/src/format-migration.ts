import Table from 'cli-table3';
import { formatArc } from '@ringkv/core';
import type { ArcMigration, MigrationPlan } from '@ringkv/client';
import type { ArcView, ProgressView } from './migration-progress.js';
import { humanBytes, moveLabel } from './format.js';

// Plans, migrations and progress, as text and JSON. Plain tables: no colours.

function table(head: string[], colAligns?: Array<'left' | 'right'>): Table.Table {
  return new Table({ head, style: { head: [], border: [] }, ...(colAligns ? { colAligns } : {}) });
}

/** A plan on one line: counts as JSON numbers, the arcs with their estimates. */
export function planJson(p: MigrationPlan): string {
  return JSON.stringify({
    epoch: Number(p.epoch),
    committed: p.committed,
    fraction: p.fraction,
    estimatedKeys: Number(p.estimatedKeys),
    estimatedBytes: Number(p.estimatedBytes),
    arcs: p.arcs.map((a) => ({
      arc: formatArc(a),
      from: a.from,
      to: a.to,
      targets: a.targets,
      state: a.state,
      estimatedKeys: Number(a.estimatedKeys),
      estimatedBytes: Number(a.estimatedBytes),
    })),
  });
}

/** One line saying what a plan moves: arcs, share of the ring, keys and bytes. */
export function planSummary(p: MigrationPlan): string {
  const n = p.arcs.length;
  return `${n} ${n === 1 ? 'arc' : 'arcs'} (${percent(p.fraction)} of the ring), ~${p.estimatedKeys} keys, ~${humanBytes(p.estimatedBytes)}`;
}

/** The plan per (from -> to) pair, then every arc, then the totals. */
export function planText(p: MigrationPlan, heading: string): string {
  const lines = [heading];
  if (p.arcs.length === 0) {
    lines.push('nothing to move');
    return lines.join('\n') + '\n';
  }
  const pairs = new Map<string, { arcs: number; keys: bigint; bytes: bigint }>();
  for (const a of p.arcs) {
    const k = moveLabel(a);
    const s = pairs.get(k) ?? { arcs: 0, keys: 0n, bytes: 0n };
    s.arcs++;
    s.keys += a.estimatedKeys;
    s.bytes += a.estimatedBytes;
    pairs.set(k, s);
  }
  const byPair = table(['from -> to', 'arcs', 'est. keys', 'est. bytes'], ['left', 'right', 'right', 'right']);
  for (const [k, s] of [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    byPair.push([k, s.arcs, s.keys.toString(), humanBytes(s.bytes)]);
  }
  lines.push(byPair.toString());
  const arcs = table(['arc (start, end]', 'from -> to', 'state', 'est. keys', 'est. bytes'], ['left', 'left', 'left', 'right', 'right']);
  for (const a of p.arcs) {
    arcs.push([formatArc(a), moveLabel(a), a.state, a.estimatedKeys.toString(), humanBytes(a.estimatedBytes)]);
  }
  lines.push(arcs.toString());
  lines.push(`total: ${planSummary(p)}`);
  return lines.join('\n') + '\n';
}

/** `ringkv migrations` once: totals, then one row per arc that is not done, with a bar. */
export function migrationsText(v: ProgressView): string {
  const n = v.arcs.length;
  if (n === 0) return `epoch ${v.epoch}: no migration in progress\n`;
  const lines = [progressLine(v)];
  if (v.error) lines.push(`last error (retrying): ${v.error}`);
  const t = table(['arc (start, end]', 'from -> to', 'state', 'progress', 'keys', 'bytes', 'rate', 'ETA'],
    ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'right']);
  const active = v.arcs.filter((a) => a.move.state !== 'done');
  for (const a of active) t.push(arcRow(a));
  lines.push(t.toString());
  const done = n - active.length;
  if (done > 0) lines.push(`(${done} done ${done === 1 ? 'arc' : 'arcs'} not shown)`);
  return lines.join('\n') + '\n';
}

function arcRow(a: ArcView): string[] {
  const m = a.move;
  return [
    a.arc,
    moveLabel(m),
    m.state,
    `${textBar(a.done, 20)} ${percent(a.done)}`,
    `${m.keysMoved}/${m.estimatedKeys}`,
    `${humanBytes(m.bytesMoved)}/${humanBytes(m.estimatedBytes)}`,
    a.bytesPerSec === undefined ? '-' : `${humanBytes(BigInt(Math.round(a.bytesPerSec)))}/s`,
    eta(a.etaSec),
  ];
}

/** Totals on one line: used for non-terminal progress output and as the table's heading. */
export function progressLine(v: ProgressView): string {
  const s = v.states;
  const n = v.arcs.length;
  return [
    `epoch ${v.epoch}: ${s['done'] ?? 0}/${n} arcs done (${s['copying'] ?? 0} copying, ${s['handoff'] ?? 0} handoff, ${s['pending'] ?? 0} pending)`,
    `${v.keysMoved}/${v.estimatedKeys} keys`,
    `${humanBytes(v.bytesMoved)}/${humanBytes(v.estimatedBytes)}`,
    `${Math.round(v.keysPerSec)} keys/s, ${humanBytes(BigInt(Math.round(v.bytesPerSec)))}/s`,
    `ETA ${eta(v.etaSec)}`,
  ].join(', ');
}

export function textBar(done: number, width: number): string {
  const full = Math.round(Math.min(1, Math.max(0, done)) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

export function percent(f: number): string {
  return `${(Math.min(1, Math.max(0, f)) * 100).toFixed(1)}%`;
}

/** 42s, 3m05s, 1h02m; `?` when unknown. */
export function eta(sec: number | undefined): string {
  if (sec === undefined || !Number.isFinite(sec)) return '?';
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function humanDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
