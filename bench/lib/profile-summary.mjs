#!/usr/bin/env node
// Self time of a V8 .cpuprofile by function and by group (GC, grpc-js, protobufjs, the level
// packages, each ringkv package, Node internals...), as percentages of the busy (non-idle) time.
//   node bench/lib/profile-summary.mjs a.cpuprofile [b.cpuprofile ...] [--top 15] [--md]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

/** The group a call frame's self time is counted in. */
export function groupOf({ functionName, url }) {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'V8/native (program)';
  if (functionName === '(root)') return 'root';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) {
    const name = pkg[1];
    if (/^(abstract-level|classic-level|level|level-[a-z]+|module-error|maybe-combine-errors)$/.test(name)) return `level: ${name}`;
    return name;
  }
  const own = /packages\/([a-z-]+)\/(?:dist|src)\//.exec(url);
  if (own) return `ringkv ${own[1]}`;
  if (/\/bench\//.test(url)) return 'bench (load generator)';
  const internal = /^node:(?:internal\/)?([a-z_]+)/.exec(url);
  if (internal) {
    const m = internal[1];
    if (/^(http2|net|stream|streams|timers|events|buffer|async_hooks|process|util)$/.test(m)) return `node:${m}`;
    return 'node: other';
  }
  // Builtins without a script (Buffer methods, Map/Set, Promise machinery, native callbacks).
  return url ? `other (${basename(url)})` : 'V8 builtins / native';
}

/** { totalMs, busyMs, groups: [{ group, ms, pct }], functions: [{ name, group, ms, pct }] } */
export function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i: the next delta is how long sample i stood.
    const dt = (timeDeltas[i + 1] ?? timeDeltas[i] ?? 0) / 1000;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
  }
  const groups = new Map();
  const functions = new Map();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, ms] of self) {
    const cf = byId.get(id).callFrame;
    const group = groupOf(cf);
    totalMs += ms;
    if (group === 'idle') {
      idleMs += ms;
      continue;
    }
    groups.set(group, (groups.get(group) ?? 0) + ms);
    const where = cf.url ? `${basename(cf.url)}:${cf.lineNumber + 1}` : '';
    const name = `${cf.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    const f = functions.get(name) ?? { name, group, ms: 0 };
    f.ms += ms;
    functions.set(name, f);
  }
  const busyMs = totalMs - idleMs;
  const pct = (ms) => (100 * ms) / busyMs;
  return {
    totalMs, busyMs, idlePct: (100 * idleMs) / totalMs,
    groups: [...groups].map(([group, ms]) => ({ group, ms, pct: pct(ms) })).sort((a, b) => b.ms - a.ms),
    functions: [...functions.values()].map((f) => ({ ...f, pct: pct(f.ms) })).sort((a, b) => b.ms - a.ms),
  };
}

export function summaryMarkdown(title, s, top = 12) {
  const groups = s.groups.filter((g) => g.pct >= 0.5).map((g) => `${g.group} ${g.pct.toFixed(1)}%`).join(', ');
  const lines = [
    `**${title}**: ${(s.busyMs / 1000).toFixed(1)} s busy of ${(s.totalMs / 1000).toFixed(1)} s sampled (${s.idlePct.toFixed(0)}% idle).`,
    `By group (share of busy time): ${groups}.`,
    '',
    '| self % | function | group |',
    '|---:|---|---|',
    ...s.functions.slice(0, top).map((f) => `| ${f.pct.toFixed(1)} | \`${f.name.replaceAll('|', '\\|')}\` | ${f.group} |`),
  ];
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '15' } }, allowPositionals: true });
  for (const file of positionals) {
    console.log(summaryMarkdown(basename(file), summarize(JSON.parse(readFileSync(file, 'utf8'))), Number(values.top)));
    console.log();
  }
}
