#!/usr/bin/env node
// Self time of a V8 .cpuprofile by function and by group (GC, grpc-js, protobufjs, the level
// packages, each ringkv package, Node internals...), as percentages of the busy (non-idle) time.
//   node bench/lib/profile-summary.mjs a.cpuprofile [b.cpuprofile ...] [--top 15] [--md]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

/** The group a call frame's self time is counted in (a frame without a script: see summarize). */
export function groupOf({ functionName, url }) {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'V8/native (program)';
  if (functionName === '(root)') return 'root';
  // protobufjs's generated codecs (new Function: no script), e.g. OpResult$encode.
  if (/\$(encode|decode|toObject|fromObject|verify)$/.test(functionName)) return 'protobufjs';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) {
    const name = pkg[1];
    if (/^(abstract-level|classic-level|level|level-[a-z]+|module-error|maybe-combine-errors)$/.test(name)) return `level: ${name}`;
    // long.js: protobufjs's 64-bit integers (versions, epochs as strings <-> Long).
    if (name === 'long') return 'protobufjs';
    return name;
  }
  const own = /packages\/([a-z-]+)\/(?:dist|src)\//.exec(url);
  if (own) return `ringkv ${own[1]}`;
  if (/\/bench\//.test(url)) return 'bench (load generator)';
  // Node's own JS by module: http2, streams, timers, abort_controller and event_target
  // (AbortSignal), process (the microtask queue), ...
  const internal = /^node:(?:internal\/)?([a-z_0-9]+)/.exec(url);
  if (internal) return `node:${internal[1] === 'stream' ? 'streams' : internal[1]}`;
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
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Native code without a script (a C++ binding such as classic-level's, a builtin such as
  // runMicrotasks or writeBuffer) counts in its nearest JS caller's group, marked (native).
  const caller = (id) => {
    for (let q = parent.get(id); q !== undefined; q = parent.get(q)) {
      const cf = byId.get(q).callFrame;
      if (cf.url) return cf;
    }
    return undefined;
  };
  const groups = new Map();
  const functions = new Map();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, ms] of self) {
    let cf = byId.get(id).callFrame;
    let group = groupOf(cf);
    if (!cf.url && !cf.functionName.startsWith('(') && group !== 'protobufjs') {
      const c = caller(id);
      group = c ? `${groupOf(c)} (native)` : 'V8 builtins / native';
      if (c && !cf.functionName) cf = { ...cf, functionName: `(native) in ${c.functionName || '(anonymous)'} ${basename(c.url)}:${c.lineNumber + 1}` };
    }
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

/**
 * One table for several processes of the same window: the share of busy time of each group
 * that reaches `minPct` in one of them, a column per process. `named`: [[name, summary], ...].
 */
export function groupTable(named, minPct = 2) {
  const groups = [...new Set(named.flatMap(([, s]) => s.groups.filter((g) => g.pct >= minPct).map((g) => g.group)))];
  const share = (s, g) => s.groups.find((x) => x.group === g)?.pct ?? 0;
  groups.sort((a, b) => Math.max(...named.map(([, s]) => share(s, b))) - Math.max(...named.map(([, s]) => share(s, a))));
  return [
    `| self time, % of busy | ${named.map(([n]) => n).join(' | ')} |`,
    `|---|${named.map(() => '---:').join('|')}|`,
    `| busy / sampled (s) | ${named.map(([, s]) => `${(s.busyMs / 1000).toFixed(1)} / ${(s.totalMs / 1000).toFixed(1)}`).join(' | ')} |`,
    ...groups.map((g) => `| ${g} | ${named.map(([, s]) => share(s, g).toFixed(1)).join(' | ')} |`),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '15' } }, allowPositionals: true });
  for (const file of positionals) {
    console.log(summaryMarkdown(basename(file), summarize(JSON.parse(readFileSync(file, 'utf8'))), Number(values.top)));
    console.log();
  }
}
