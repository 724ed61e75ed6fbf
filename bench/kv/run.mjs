#!/usr/bin/env node
// ringkv vs Redis on the data path, same load generator, same run: ops/s, p50/p99 and the CPU
// per operation of every process, over a fixed count of operations. See BENCHMARKS.md.
//   pnpm bench                          # a few minutes: every workload, ringkv and both Redis peers;
//                                       # writes bench/kv/last-run.json and BENCHMARKS.md
//   pnpm bench -- --long                # 1,000,000 operations per workload, 3 rounds, RF 1 vs RF 3
//   pnpm bench -- --rss                 # RSS per shard after 1,000,000 keys (separate mode)
//   pnpm bench -- --systems ringkv --workload put,get --latency-ops 0 --profile .tmp/prof
//                                       # + a CPU profile of every ringkv process for the put and
//                                       # get windows, and their self time by group and function
// A run shaped by other options prints its tables and writes only what --json/--md name.
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { benchCommit } from '../lib/commit.mjs';
import { WORKLOADS, preload, runWorkload } from '../lib/load.mjs';
import { procRssBytes } from '../lib/proc-cpu.mjs';
import { groupTable, summarize, summaryMarkdown } from '../lib/profile-summary.mjs';
import { micro } from './micro.mjs';
import { SYSTEMS, startSystem } from './systems.mjs';
import { openWindow } from './window.mjs';
import { median, writeMarkdown, resultTables, rssTable } from './report.mjs';

// `pnpm bench -- --workload a` passes the `--` through.
const argv = process.argv.slice(2);
const { values: args } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    workload: { type: 'string', default: 'all' },
    systems: { type: 'string', default: 'ringkv,redis,redis-auto,generator' },
    inflight: { type: 'string', default: '64' },
    keys: { type: 'string', default: '100000' },
    'value-size': { type: 'string', default: '100' },
    ops: { type: 'string' },
    'ycsb-ops': { type: 'string' },
    'warmup-ops': { type: 'string' },
    'latency-ops': { type: 'string' },
    'rf-ops': { type: 'string' },
    rounds: { type: 'string' },
    long: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '90' },
    rss: { type: 'boolean', default: false },
    'rss-keys': { type: 'string', default: '1000000' },
    profile: { type: 'string' },
    'profile-systems': { type: 'string', default: 'ringkv' },
    'profile-workloads': { type: 'string', default: 'put,get' },
    transport: { type: 'string', default: 'stream' },
    json: { type: 'string' },
    md: { type: 'string' },
    'skip-micro': { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const long = args.long;
const num = (v, short, longer) => Number(v ?? (long ? longer : short));
const inflight = Number(args.inflight);
const keys = Number(args.keys);
// put and get carry the CPU/op comparison; YCSB A, C and insert the ops/s one, on fewer
// operations so that the default run stays within about 5 minutes on a loaded 2-core machine.
const opsPerRun = num(args.ops, 200_000, 1_000_000);
const ycsbOps = num(args['ycsb-ops'], Math.min(opsPerRun, 100_000), 1_000_000);
const warmupOps = num(args['warmup-ops'], Math.min(20_000, Math.ceil(opsPerRun / 10)), 50_000);
const latencyOps = num(args['latency-ops'], 5_000, 20_000);
// RF 1 vs RF 3 (issue 15's replication target) by default only with --long: pnpm bench:replication measures it.
const rfOps = num(args['rf-ops'], 0, 200_000);
const rounds = num(args.rounds, 1, 3);
const capSeconds = Number(args.seconds);
const value = Buffer.alloc(Number(args['value-size']), 'v');
const workloads = args.workload === 'all' ? Object.keys(WORKLOADS) : args.workload.split(',');
for (const w of workloads) if (!WORKLOADS[w]) throw new Error(`unknown workload ${w}: use ${Object.keys(WORKLOADS).join(', ')} or all`);
const systems = args.systems.split(',').filter(Boolean);
for (const s of systems) if (!SYSTEMS[s] || s.startsWith('rf')) throw new Error(`unknown system ${s}: use ringkv, redis, redis-auto, direct, generator`);
const log = (...a) => console.error('[bench]', ...a);
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();

// `pnpm bench` (or with --long, --rounds, --seconds) is the run BENCHMARKS.md quotes: it writes
// both files. A run shaped otherwise (fewer workloads, other sizes, profiled) writes only what
// --json and --md name, so that a quick look does not replace the published figures.
const SHAPING = ['workload', 'systems', 'inflight', 'keys', 'value-size', 'ops', 'ycsb-ops', 'warmup-ops', 'latency-ops', 'rf-ops', 'profile', 'rss', 'transport', 'skip-micro'];
const shaped = argv.some((a) => SHAPING.some((o) => a === `--${o}` || a.startsWith(`--${o}=`)));
const jsonOut = args.json ?? (shaped ? undefined : 'bench/kv/last-run.json');
const mdOut = args.md ?? (shaped ? undefined : 'BENCHMARKS.md');

// Every ringkv process loads the measurement hook (frame counts, windowed profiles).
const hookDir = mkdtempSync(join(tmpdir(), 'ringkv-bench-hook-'));
const profileDir = args.profile ? resolve(args.profile) : undefined;
if (profileDir) mkdirSync(profileDir, { recursive: true });
const profiled = new Set(profileDir ? args['profile-systems'].split(',') : []);
const profiledWorkloads = new Set(args['profile-workloads'].split(','));
process.env.RINGKV_BENCH_NODE_ARGS = [process.env.RINGKV_BENCH_NODE_ARGS ?? '', `--import=${new URL('../lib/cpu-prof-hook.mjs', import.meta.url).href}`].join(' ').trim();
process.env.RINGKV_BENCH_PROF_DIR = hookDir;

const m0 = { cores: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version };
const results = {
  date: new Date().toISOString(), commit: benchCommit({ subject: true }), command: ['pnpm bench', ...(argv.some((a) => a !== '--') ? ['--', ...argv.filter((a) => a !== '--')] : [])].join(' '),
  machine: { ...m0, loadAvgStart: loadavg()[0], uptimeStart: uptime() },
  settings: { inflight, keys, valueBytes: value.length, opsPerRun, ycsbOps, warmupOps, latencyOps, rfOps, rounds, capSeconds, transport: args.transport, profiled: profileDir !== undefined },
  runs: [],
};

const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const profiledWindows = [];

/** One measured run of `workload` on a started system; pushes and returns its record. */
async function measure(system, name, { round, phase, workload, n, conc, insertFrom }) {
  const tag = `${name}-${workload}${phase === 'latency' ? '-1inflight' : ''}${rounds > 1 ? `-r${round}` : ''}`;
  // --profile-workloads names load windows (put, get, a, ...) and 1-in-flight ones as get@1, put@1.
  const profile = profiled.has(name) && profiledWorkloads.has(phase === 'latency' ? `${workload}@1` : phase === 'load' ? workload : '') ? profileDir : undefined;
  const window = openWindow(system, { hookDir, profile, tag });
  await window.begin();
  const r = await runWorkload(system.sys, {
    workload, keys, value, inflight: conc, ops: n, seconds: capSeconds, insertFrom, onStart: window.onStart, onEnd: window.onEnd,
  });
  const { cpuUs, frames, settleMs } = await window.end();
  const count = r.ops + r.errors;
  const cpuUsPerOp = Object.fromEntries(Object.entries(cpuUs).map(([p, us]) => [p, us / count]));
  const rec = {
    round, phase, workload, system: name, inflight: conc, ...r, cpuUsPerOp,
    cpuUsPerOpTotal: Object.values(cpuUsPerOp).reduce((a, b) => a + b, 0), frames, profiled: profile !== undefined, settleMs, loadAvg: loadavg()[0],
  };
  results.runs.push(rec);
  if (profile) profiledWindows.push({ tag, procs: Object.keys(system.procs) });
  const per = Object.entries(cpuUsPerOp).map(([p, us]) => `${p} ${us.toFixed(1)}`).join(', ');
  log(`  ${phase} ${workload} x${conc}: ${fmtInt(count)} ops in ${r.seconds.toFixed(1)}s, ${Math.round(r.opsPerSec)} ops/s p50 ${r.p50Us}us p99 ${r.p99Us}us errors ${r.errors}`
    + `${r.firstError ? ` (${r.firstError})` : ''}; CPU us/op ${rec.cpuUsPerOpTotal.toFixed(1)} (${per})${profile ? ' [profiled]' : ''}`
    + `${settleMs > 1000 ? `; waited ${(settleMs / 1000).toFixed(1)}s for quiet servers` : ''}`);
  if (count < n) log(`  ${workload}: the ${capSeconds}s cap stopped it at ${fmtInt(count)} of ${fmtInt(n)} operations`);
  return rec;
}

/** Preload (unmeasured), then every workload at `inflight`, then get and put at 1 in flight. */
async function runSystem(name, round) {
  log(`round ${round}: ${SYSTEMS[name]}`);
  const system = await startSystem(name, { transport: args.transport });
  try {
    const t = performance.now();
    await preload(system.sys, keys, value, inflight);
    log(`  loaded ${keys} keys in ${((performance.now() - t) / 1000).toFixed(1)}s`);
    let insertFrom = keys;
    for (const workload of workloads) {
      // Unmeasured warm-up of the same mix (JIT, connection windows, caches).
      const warm = await runWorkload(system.sys, { workload, keys, value, inflight, ops: warmupOps, seconds: capSeconds, insertFrom });
      insertFrom = warm.nextInsert;
      const n = workload === 'put' || workload === 'get' ? opsPerRun : ycsbOps;
      const r = await measure(system, name, { round, phase: 'load', workload, n, conc: inflight, insertFrom });
      insertFrom = r.nextInsert;
    }
    if (latencyOps > 0) {
      for (const workload of ['get', 'put']) {
        await runWorkload(system.sys, { workload, keys, value, inflight: 1, ops: Math.ceil(latencyOps / 10), seconds: capSeconds });
        await measure(system, name, { round, phase: 'latency', workload, n: latencyOps, conc: 1 });
      }
    }
  } finally {
    await system.stop();
  }
}

/** Write throughput of RF 1 and RF 3 (both with --coordinator), same load. */
async function runReplication(round) {
  for (const name of ['rf1', 'rf3']) {
    log(`round ${round}: ${SYSTEMS[name]}`);
    const system = await startSystem(name, { transport: args.transport });
    try {
      const warm = await runWorkload(system.sys, { workload: 'insert', keys, value, inflight, ops: Math.ceil(rfOps / 10), seconds: capSeconds });
      await measure(system, name, { round, phase: 'rf', workload: 'insert', n: rfOps, conc: inflight, insertFrom: warm.nextInsert });
    } finally {
      await system.stop();
    }
  }
}

/** RSS of every shard (and of redis-server) after loading `n` keys. */
async function runRss(n) {
  const out = { keys: n, systems: {} };
  for (const name of ['ringkv', 'redis']) {
    const system = await startSystem(name);
    try {
      const t = performance.now();
      await preload(system.sys, n, value, 256);
      const loadSeconds = (performance.now() - t) / 1000;
      await new Promise((r) => setTimeout(r, 2000));
      const rss = Object.fromEntries(Object.entries(system.procs).filter(([p]) => p !== 'client').map(([p, pid]) => [p, procRssBytes(pid)]));
      out.systems[name] = { loadSeconds, rssBytes: rss };
      log(`  ${name}: ${n} keys in ${loadSeconds.toFixed(1)}s; RSS ${Object.entries(rss).map(([p, b]) => `${p} ${(b / 2 ** 20).toFixed(0)} MiB`).join(', ')}`);
    } finally {
      await system.stop();
    }
  }
  return out;
}

try {
  if (args.rss) {
    results.rss = await runRss(Number(args['rss-keys']));
  } else {
    if (!args['skip-micro']) results.micro = micro();
    for (let round = 1; round <= rounds; round++) {
      for (const name of systems) await runSystem(name, round);
      if (rfOps > 0) await runReplication(round);
    }
  }
} finally {
  rmSync(hookDir, { recursive: true, force: true });
}
results.machine.loadAvgEnd = loadavg()[0];
results.machine.uptimeEnd = uptime();

// Medians over rounds, per phase, workload and system.
const keyOfRun = (r) => `${r.phase}|${r.workload}|${r.system}`;
results.summary = [...new Set(results.runs.map(keyOfRun))].map((k) => {
  const rs = results.runs.filter((r) => keyOfRun(r) === k);
  const procs = Object.keys(rs[0].cpuUsPerOp);
  return {
    phase: rs[0].phase, workload: rs[0].workload, system: rs[0].system, inflight: rs[0].inflight, rounds: rs.length, profiled: rs.some((r) => r.profiled),
    ops: rs[0].ops + rs[0].errors, errors: rs.reduce((a, r) => a + r.errors, 0),
    opsPerSec: median(rs.map((r) => r.opsPerSec)), p50Us: median(rs.map((r) => r.p50Us)), p99Us: median(rs.map((r) => r.p99Us)),
    cpuUsPerOp: Object.fromEntries(procs.map((p) => [p, median(rs.map((r) => r.cpuUsPerOp[p]))])),
    cpuUsPerOpTotal: median(rs.map((r) => r.cpuUsPerOpTotal)),
    frames: rs[0].frames,
  };
});

const text = args.rss ? rssTable(results) : resultTables(results);
console.log(text);
if (profileDir) {
  // Self time of every process of each profiled window: groups side by side, then functions.
  const md = [];
  for (const { tag, procs } of profiledWindows) {
    const named = procs.map((p) => [p, join(profileDir, `${tag}-${p}.cpuprofile`)]).filter(([, f]) => existsSync(f))
      .map(([p, f]) => [p, summarize(JSON.parse(readFileSync(f, 'utf8')))]);
    md.push(`### ${tag}: self time by group (V8 sampling profiler, main thread of each process)`, '', groupTable(named), '');
    for (const [p, sum] of named) md.push(summaryMarkdown(`${tag} ${p}`, sum), '');
  }
  writeFileSync(join(profileDir, 'summary.md'), md.join('\n'));
  console.log(`\n${md.join('\n')}`);
  log(`profiles (.cpuprofile, open in Chrome DevTools) and this summary: ${profileDir}/summary.md`);
}
if (jsonOut) {
  writeFileSync(jsonOut, JSON.stringify(results, null, 2) + '\n');
  log(`wrote ${jsonOut}`);
}
if (mdOut) {
  writeMarkdown(mdOut, results, text);
  log(`wrote the ${args.rss ? 'bench:kv-rss' : 'bench:kv'} block of ${mdOut}`);
}
process.exit(0);
