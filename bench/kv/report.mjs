// The markdown of `pnpm bench`: figures per workload and system, ringkv/Redis ratios, latency
// at 1 in flight, RF 3 vs RF 1, the issue 15 targets; and the block it writes to BENCHMARKS.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { SYSTEMS } from './systems.mjs';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const us = (n) => (n === undefined ? '' : n.toFixed(1));
const x = (a, b) => (a !== undefined && b ? `${(a / b).toFixed(2)}×` : 'n/a');

/** CPU µs per op of each kind of process: client, router, shards (sum, and each), redis-server. */
function cpuColumns(r) {
  const c = r.cpuUsPerOp;
  const shards = Object.keys(c).filter((p) => p.startsWith('shard-'));
  const sum = shards.reduce((a, p) => a + c[p], 0);
  return [
    us(c.client), us(c.router),
    shards.length ? `${us(sum)} (${shards.map((p) => us(c[p])).join(' + ')})` : '',
    us(c['redis-server']),
  ];
}

const find = (res, phase, workload, system) => res.summary.find((r) => r.phase === phase && r.workload === workload && r.system === system);

function opsPerFrame(r) {
  const f = r.frames ?? {};
  const per = (s) => (s && s.frames ? (s.ops / s.frames).toFixed(1) : 'n/a');
  return { toRouter: per(f.client?.sent), toShards: per(f.router?.sent ?? f.client?.sent) };
}

export function resultTables(res) {
  const s = res.settings;
  const out = [];
  const loadRows = res.summary.filter((r) => r.phase === 'load');
  const workloads = [...new Set(loadRows.map((r) => r.workload))];
  out.push(`Closed loop, ${s.inflight} in flight, ${s.valueBytes} B values, ${fmt(s.keys)} keys loaded first; each row is a fixed count of operations `
    + `(${fmt(s.opsPerRun)} for put and get, ${fmt(s.ycsbOps ?? s.opsPerRun)} for YCSB A, C and insert, after ${fmt(s.warmupOps)} unmeasured of the same mix, `
    + `capped at ${s.capSeconds ?? '?'} s), ${s.rounds > 1 ? `median of ${s.rounds} rounds, ` : ''}each system on a fresh server. CPU = user+sys per operation of each process, all its threads `
    + `(/proc/PID/stat; process.cpuUsage() for the load generator's own process, \`client\`, which includes the generator: see its row).`
    + `${s.profiled ? ' **Profiled run: the rows marked (profiled) include the profiler\'s cost.**' : ''}`);
  out.push('');
  out.push('| workload | system | ops | ops/s | p50 (µs) | p99 (µs) | errors | CPU µs/op, all | client | router | shards (each) | redis-server |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of loadRows) {
    out.push(`| ${r.workload} | ${SYSTEMS[r.system]}${r.profiled ? ' (profiled)' : ''} | ${fmt(r.ops)} | ${fmt(r.opsPerSec)} | ${r.p50Us} | ${r.p99Us} | ${r.errors} | **${us(r.cpuUsPerOpTotal)}** | ${cpuColumns(r).join(' | ')} |`);
  }
  const ratioRows = workloads.map((w) => {
    const k = find(res, 'load', w, 'ringkv');
    const p = find(res, 'load', w, 'redis');
    const a = find(res, 'load', w, 'redis-auto');
    if (!k || (!p && !a)) return undefined;
    return `| ${w} | ${x(k.opsPerSec, p?.opsPerSec)} | ${x(k.opsPerSec, a?.opsPerSec)} | ${x(k.cpuUsPerOpTotal, p?.cpuUsPerOpTotal)} | ${x(k.cpuUsPerOpTotal, a?.cpuUsPerOpTotal)} | ${x(k.p99Us, p?.p99Us)} | ${x(k.p99Us, a?.p99Us)} | ${opsPerFrame(k).toRouter} / ${opsPerFrame(k).toShards} |`;
  }).filter(Boolean);
  if (ratioRows.length) {
    out.push('', 'ringkv / Redis (plain ioredis; ioredis with enableAutoPipelining), and how many operations ringkv frames carry:', '');
    out.push('| workload | ops/s vs plain | ops/s vs auto | CPU/op vs plain | CPU/op vs auto | p99 vs plain | p99 vs auto | ops per frame: SDK -> router / router -> shard |');
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    out.push(...ratioRows);
  }
  const lat = res.summary.filter((r) => r.phase === 'latency');
  if (lat.length) {
    out.push('', 'One request in flight (a closed loop of one: no batching possible):', '');
    out.push(`| op (${fmt(s.latencyOps)} operations) | system | ops/s | p50 (µs) | p99 (µs) | CPU µs/op, all | p50 vs plain | p50 vs auto |`);
    out.push('|---|---|---:|---:|---:|---:|---:|---:|');
    for (const r of lat) {
      const p = find(res, 'latency', r.workload, 'redis');
      const a = find(res, 'latency', r.workload, 'redis-auto');
      const ratio = r.system === 'ringkv' || r.system === 'direct';
      out.push(`| ${r.workload} | ${SYSTEMS[r.system]} | ${fmt(r.opsPerSec)} | ${r.p50Us} | ${r.p99Us} | ${us(r.cpuUsPerOpTotal)} | ${ratio ? x(r.p50Us, p?.p50Us) : ''} | ${ratio ? x(r.p50Us, a?.p50Us) : ''} |`);
    }
  }
  const rf1 = find(res, 'rf', 'insert', 'rf1');
  const rf3 = find(res, 'rf', 'insert', 'rf3');
  if (rf1 || rf3) {
    out.push('', `Replication: insert (new keys), ${s.inflight} in flight, ${fmt(s.rfOps)} operations, a fresh cluster per factor, router with --coordinator:`, '');
    out.push('| system | ops/s | p50 (µs) | p99 (µs) | errors | CPU µs/op, all | router | shards (each) | ops/s vs RF 1 |');
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of [rf1, rf3].filter(Boolean)) {
      const [, router, shards] = cpuColumns(r);
      out.push(`| ${SYSTEMS[r.system]} | ${fmt(r.opsPerSec)} | ${r.p50Us} | ${r.p99Us} | ${r.errors} | ${us(r.cpuUsPerOpTotal)} | ${router} | ${shards} | ${x(r.opsPerSec, rf1?.opsPerSec)} |`);
    }
  }
  out.push('', ...targets(res));
  if (res.micro) out.push('', ...Object.entries(res.micro).map(([k, v]) => `- ${k}: ${v.toFixed(1)} ns`));
  return out.join('\n');
}

/** Issue 15's targets, each as measured in this run. */
function targets(res) {
  const rows = [];
  const add = (target, measured, ok) => rows.push(`| ${target} | ${measured} | ${ok === undefined ? 'n/a' : ok ? 'met' : '**missed**'} |`);
  for (const w of ['put', 'get']) {
    const k = find(res, 'load', w, 'ringkv');
    const p = find(res, 'load', w, 'redis');
    const a = find(res, 'load', w, 'redis-auto');
    if (k && p) add(`${w}: CPU/op ≤ 1.0× Redis (plain)`, `${us(k.cpuUsPerOpTotal)} vs ${us(p.cpuUsPerOpTotal)} µs: ${x(k.cpuUsPerOpTotal, p.cpuUsPerOpTotal)}`, k.cpuUsPerOpTotal <= p.cpuUsPerOpTotal);
    if (k && a) add(`${w}: CPU/op ≤ 1.0× Redis (auto), stretch`, `${us(k.cpuUsPerOpTotal)} vs ${us(a.cpuUsPerOpTotal)} µs: ${x(k.cpuUsPerOpTotal, a.cpuUsPerOpTotal)}`, k.cpuUsPerOpTotal <= a.cpuUsPerOpTotal);
  }
  for (const w of ['a', 'c', 'insert']) {
    const k = find(res, 'load', w, 'ringkv');
    const p = find(res, 'load', w, 'redis');
    if (k && p) {
      add(`${w}: ops/s ≥ 1.0× Redis (plain), p99 ≤ 2×`, `${x(k.opsPerSec, p.opsPerSec)} ops/s, ${x(k.p99Us, p.p99Us)} p99`,
        k.opsPerSec >= p.opsPerSec && k.p99Us <= 2 * p.p99Us);
    }
  }
  for (const w of ['get', 'put']) {
    const k = find(res, 'latency', w, 'ringkv');
    const p = find(res, 'latency', w, 'redis');
    if (k && p) add(`${w}, 1 in flight: p50 ≤ 2× Redis (plain)`, `${k.p50Us} vs ${p.p50Us} µs: ${x(k.p50Us, p.p50Us)}`, k.p50Us <= 2 * p.p50Us);
  }
  const rf1 = find(res, 'rf', 'insert', 'rf1');
  const rf3 = find(res, 'rf', 'insert', 'rf3');
  if (rf1 && rf3) add('RF 3 write ops/s ≥ 0.8× RF 1', x(rf3.opsPerSec, rf1.opsPerSec), rf3.opsPerSec >= 0.8 * rf1.opsPerSec);
  if (!rows.length) return [];
  return ['Issue 15 targets in this run (RSS: `--rss`; locks and queues: `pnpm bench:coordination`):', '', '| target | measured | |', '|---|---|---|', ...rows];
}

export function rssTable(res) {
  const out = [`RSS after loading ${fmt(res.rss.keys)} keys of ${res.settings.valueBytes} B (256 puts in flight), 2 s after the load:`, ''];
  out.push('| system | load time (s) | RSS per process (MiB) | target |', '|---|---:|---|---|');
  for (const [name, r] of Object.entries(res.rss.systems)) {
    const procs = Object.entries(r.rssBytes).map(([p, b]) => `${p} ${(b / 2 ** 20).toFixed(0)}`).join(', ');
    const shards = Object.entries(r.rssBytes).filter(([p]) => p.startsWith('shard-')).map(([, b]) => b);
    const target = shards.length ? (Math.max(...shards) <= 150 * 2 ** 20 ? 'each shard ≤ 150 MiB: met' : 'each shard ≤ 150 MiB: **missed**') : '';
    out.push(`| ${SYSTEMS[name]} | ${r.loadSeconds.toFixed(1)} | ${procs} | ${target} |`);
  }
  return out.join('\n');
}

/** Rewrites the run's block in `path` (bench:kv, or bench:kv-rss for --rss). */
export function writeMarkdown(path, res, text) {
  const tag = res.rss ? 'bench:kv-rss' : 'bench:kv';
  const m = res.machine;
  const block = [
    `<!-- ${tag}:start -->`,
    `Run ${res.date.slice(0, 16).replace('T', ' ')} UTC on commit \`${res.commit}\`, ${m.cores} × ${m.cpuModel}, ${m.memGiB} GiB RAM, Linux ${m.kernel}, Node ${m.node}.`,
    `Load (\`uptime\`) at the start: \`${m.uptimeStart}\`; at the end: \`${m.uptimeEnd}\`.`,
    '',
    '```',
    res.command,
    '```',
    '',
    text,
    `<!-- ${tag}:end -->`,
  ].join('\n');
  let md = readFileSync(path, 'utf8');
  const re = new RegExp(`<!-- ${tag}:start -->[\\s\\S]*<!-- ${tag}:end -->`);
  if (re.test(md)) md = md.replace(re, () => block);
  else md += `\n${block}\n`;
  writeFileSync(path, md);
}
