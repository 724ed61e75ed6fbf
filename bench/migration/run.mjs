#!/usr/bin/env node
// Migration benchmark (issue 3): load N keys into a 3-shard cluster, add a 4th shard, and report
// how fast the arcs move (keys/s, MB/s), how many keys moved against the ideal from the ring
// diff, and what the migration does to a steady foreground load (p50/p99 before vs during).
//
//   pnpm bench:migration [--keys 200000] [--value-bytes 100] [--fg-inflight 8] [--baseline-seconds 10]
//                        [--migration-rate 0] [--migration-arcs N] [--json out.json] [--md BENCHMARKS.md]
//
// It starts its own cluster (separate processes on 127.0.0.1, free ports, temp dirs) and stops it
// at the end. Every loop is bounded in count and time.
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, totalmem, release, platform } from 'node:os';
import { benchCommit } from '../lib/commit.mjs';
import { parseArgs } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import { RingKvClient } from '@ringkv/client';
import { AdminService, Ring, hash32, ringOf } from '@ringkv/core';
import { REPO_ROOT, startCluster } from './cluster.mjs';
import { bulkLoad, mixedLoad } from './load.mjs';

const argv = process.argv.slice(2);
const { values: args } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    keys: { type: 'string', default: '200000' },
    'value-bytes': { type: 'string', default: '100' },
    'load-inflight': { type: 'string', default: '256' },
    'fg-inflight': { type: 'string', default: '8' },
    'fg-read-ratio': { type: 'string', default: '0.5' },
    'baseline-seconds': { type: 'string', default: '10' },
    'max-migration-seconds': { type: 'string', default: '600' },
    'migration-rate': { type: 'string' },
    'migration-arcs': { type: 'string' },
    json: { type: 'string' },
    md: { type: 'string' },
    keep: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
  allowPositionals: false,
});
const N = positive('keys');
const VALUE_BYTES = positive('value-bytes');
const LOAD_INFLIGHT = positive('load-inflight');
const FG_INFLIGHT = positive('fg-inflight');
const FG_READ_RATIO = Number(args['fg-read-ratio']);
const BASELINE_S = Number(args['baseline-seconds']);
const MAX_MIGRATION_S = positive('max-migration-seconds');
const log = (...a) => {
  if (!args.quiet) console.error('[bench:migration]', ...a);
};

function positive(name) {
  const n = Number(args[name]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${args[name]}`);
  return n;
}

const keyOf = (i) => `bench/${i}`;
const value = Buffer.alloc(VALUE_BYTES, 'v');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function adminRpc(address, method, request) {
  const c = new AdminService(address, credentials.createInsecure());
  return new Promise((resolve, reject) =>
    c[method](request, { deadline: Date.now() + 120_000 }, (err, res) => {
      c.close();
      if (err) reject(err);
      else resolve(res);
    }),
  );
}

const routerArgs = [];
if (args['migration-rate'] !== undefined) routerArgs.push('--migration-rate', args['migration-rate']);
if (args['migration-arcs'] !== undefined) routerArgs.push('--migration-arcs', args['migration-arcs']);

const command = `pnpm bench:migration${argv.length ? ` ${argv.filter((a) => a !== '--').join(' ')}` : ''}`;
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memGiB: Math.round(totalmem() / 2 ** 30),
  os: `${platform()} ${release()}`,
  node: process.version,
  // Other work on the machine skews every figure here: the 1-minute load average at the start
  // and at the end of the run (2 cores: above ~2 means something else competed for the CPU).
  loadAvgStart: Math.round(loadavg()[0] * 100) / 100,
};
const commit = benchCommit();

log(`starting 3 shards + 1 spare + router${routerArgs.length ? ` (${routerArgs.join(' ')})` : ''}`);
const cluster = await startCluster({ shards: 3, spare: 1, routerArgs, keep: args.keep });
const clients = [];
let exitCode = 0;
try {
  const client = await RingKvClient.connect({ routers: [cluster.routerAddress], timeoutMs: 30_000 });
  clients.push(client);

  // 1. Load.
  log(`loading ${N} keys of ${VALUE_BYTES} B, ${LOAD_INFLIGHT} puts in flight`);
  const load = await bulkLoad(client, keyOf, N, value, {
    inflight: LOAD_INFLIGHT,
    onProgress: (done, s) => log(`  ${done} keys in ${s.toFixed(1)} s`),
  });
  log(`  loaded in ${load.seconds} s (${load.keysPerSec} keys/s)`);

  // 2. The ideal from the ring diff: the keys whose owner changes when shard-4 joins.
  const map = await client.admin.clusterMap();
  const before = ringOf(map);
  const spare = cluster.spares[0];
  const after = new Ring([...map.members.map((m) => ({ id: m.id, weight: m.weight })), { id: spare.name, weight: 1 }], map.vnodesPerWeight);
  const diff = Ring.diff(before, after);
  const arcLen = (a) => (a.end - a.start + 2 ** 32) % 2 ** 32 || 2 ** 32;
  const diffFraction = diff.reduce((s, a) => s + arcLen(a), 0) / 2 ** 32;
  let ideal = 0;
  const idealFrom = {};
  const moves = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    const h = hash32(Buffer.from(keyOf(i)));
    const from = before.ownerOf(h);
    if (from !== after.ownerOf(h)) {
      moves[i] = 1;
      ideal++;
      idealFrom[from] = (idealFrom[from] ?? 0) + 1;
    }
  }
  log(`ring diff: ${diff.length} arcs, ${(diffFraction * 100).toFixed(2)}% of the hash space, ${ideal} of the keys (${((ideal / N) * 100).toFixed(2)}%)`);

  const statusBefore = await client.admin.status();

  // 3. Foreground baseline.
  const fgClient = await RingKvClient.connect({ routers: [cluster.routerAddress], timeoutMs: 10_000 });
  clients.push(fgClient);
  // Latency is also broken down by operation and by whether the key is in a moving arc.
  const classOf = (i, read) => `${read ? 'get' : 'put'} ${moves[i] ? 'moving' : 'staying'}`;
  const fgOptions = { inflight: FG_INFLIGHT, readRatio: FG_READ_RATIO, value, classOf };
  log(`foreground baseline: ${FG_INFLIGHT} in flight, ${FG_READ_RATIO * 100}% gets, ${BASELINE_S} s`);
  await mixedLoad(fgClient, keyOf, N, { ...fgOptions, maxMs: 1_000, seed: 99 }); // warm-up
  const baseline = await mixedLoad(fgClient, keyOf, N, { ...fgOptions, maxMs: BASELINE_S * 1000, seed: 1 });
  log(`  ${baseline.opsPerSec} ops/s, p50 ${baseline.p50Ms} ms, p99 ${baseline.p99Ms} ms`);

  // 4. Add the shard with the same foreground load running, until the migration is done.
  let migrating = true;
  const planStarted = performance.now();
  const logLinesBefore = cluster.routerLogLines().length;
  // Through the SDK's admin API when it has one, else the Admin RPC.
  const plan = typeof client.admin.addShard === 'function'
    ? await client.admin.addShard(spare.name, spare.address, { weight: 1, timeoutMs: 120_000 })
    : await adminRpc(cluster.routerAddress, 'AddShard', { id: spare.name, address: spare.address, weight: 1, dryRun: false });
  const committedAt = performance.now();
  log(`AddShard committed epoch ${plan.epoch}: ${plan.arcs.length} arcs, ~${plan.estimatedKeys} keys, ~${plan.estimatedBytes} bytes (plan took ${Math.round(committedAt - planStarted)} ms)`);
  const during = mixedLoad(fgClient, keyOf, N, { ...fgOptions, maxMs: MAX_MIGRATION_S * 1000, shouldStop: () => !migrating, seed: 2 });
  // Poll the cheap cluster map (not the status, which scans every shard to count keys): done
  // arcs carry the keys and bytes the router recorded for them.
  const arcs = new Map();
  let doneAt;
  let lastMap;
  while (performance.now() - committedAt < MAX_MIGRATION_S * 1000) {
    try {
      lastMap = await client.admin.clusterMap({ timeoutMs: 5_000 });
    } catch (err) {
      log(`  clusterMap: ${err.code ?? ''} ${err.message}`);
      await sleep(200);
      continue;
    }
    for (const m of lastMap.migrations) {
      if (m.state === 'done') arcs.set(`${m.start}-${m.end}`, { keys: Number(m.keysMoved), bytes: Number(m.bytesMoved) });
    }
    if (lastMap.migrations.length === 0 && lastMap.nextMembers.length === 0) {
      doneAt = performance.now();
      break;
    }
    await sleep(100);
  }
  migrating = false;
  const fgDuring = await during;
  if (doneAt === undefined) throw new Error(`the migration did not finish within ${MAX_MIGRATION_S} s`);
  const migrationS = (doneAt - committedAt) / 1000;
  log(`  migration done in ${migrationS.toFixed(2)} s; foreground ${fgDuring.opsPerSec} ops/s, p50 ${fgDuring.p50Ms} ms, p99 ${fgDuring.p99Ms} ms`);

  // 5. What moved, by the router's own account: the "arcs migrated" log line of every wave
  // (keys, ms, handoffMs, steps) and the per-arc keysMoved/bytesMoved of the map.
  const waves = cluster.routerLogLines().slice(logLinesBefore).filter((l) => l.msg === 'arcs migrated');
  const keysMoved = waves.reduce((s, w) => s + (w.keys ?? 0), 0);
  const seenKeys = [...arcs.values()].reduce((s, a) => s + a.keys, 0);
  const seenBytes = [...arcs.values()].reduce((s, a) => s + a.bytes, 0);
  // The final wave's DONE commit and the membership commit follow each other within
  // milliseconds, so the poll may not see the last wave as done: its bytes are extrapolated at
  // the bytes/key of the arcs it saw.
  const bytesMoved = seenKeys > 0 ? Math.round(seenBytes * (keysMoved / seenKeys)) : 0;
  const stepNames = ['commitCopying', 'copy', 'commitHandoff', 'finishHandoff', 'commitDone'];
  const stepTotals = Object.fromEntries(stepNames.map((n, i) => [n, waves.reduce((s, w) => s + (w.steps?.[i] ?? 0), 0)]));
  const handoffs = waves.map((w) => w.handoffMs ?? 0);
  const recopied = waves.reduce((s, w) => s + (w.recopy ?? 0), 0);

  // The sources delete a moved arc's range after its DONE commit, in the background: right
  // after the migration the old owners may still count some moved keys. Poll (at most 30 s)
  // until every key is counted once, and report how long that took.
  const statusDoneAt = performance.now();
  const totalOf = (st) => st.shards.reduce((s, x) => s + Number(x.keys), 0);
  let statusAfter = await client.admin.status();
  const totalRightAfter = totalOf(statusAfter);
  while (totalOf(statusAfter) !== N && performance.now() - statusDoneAt < 30_000) {
    await sleep(250);
    statusAfter = await client.admin.status();
  }
  const cleanupLagMs = Math.round(performance.now() - statusDoneAt);
  const newShard = statusAfter.shards.find((s) => s.id === spare.name);
  const totalAfter = totalOf(statusAfter);

  machine.loadAvgEnd = Math.round(loadavg()[0] * 100) / 100;
  const result = {
    benchmark: 'migration',
    date: new Date().toISOString(),
    commit,
    command,
    machine,
    config: { keys: N, valueBytes: VALUE_BYTES, loadInflight: LOAD_INFLIGHT, fgInflight: FG_INFLIGHT, fgReadRatio: FG_READ_RATIO, baselineSeconds: BASELINE_S, routerArgs },
    load,
    plan: { epoch: String(plan.epoch), arcs: plan.arcs.length, estimatedKeys: Number(plan.estimatedKeys), estimatedBytes: Number(plan.estimatedBytes), fraction: plan.fraction, planMs: Math.round(committedAt - planStarted) },
    ideal: { keys: ideal, fractionOfKeys: ideal / N, ringDiffArcs: diff.length, ringDiffFraction: diffFraction, byFrom: idealFrom },
    migration: {
      seconds: Math.round(migrationS * 1000) / 1000,
      keysMoved,
      bytesMoved,
      keysPerSec: Math.round(keysMoved / migrationS),
      mbPerSec: Math.round((bytesMoved / 2 ** 20 / migrationS) * 100) / 100,
      movedOverIdeal: ideal > 0 ? Math.round((keysMoved / ideal) * 10_000) / 10_000 : null,
      waves: waves.length,
      arcsRecopied: recopied,
      handoffMs: { max: Math.max(0, ...handoffs), mean: handoffs.length ? Math.round(handoffs.reduce((a, b) => a + b, 0) / handoffs.length) : 0 },
      stepTotalsMs: stepTotals,
      waveMs: waves.map((w) => w.ms),
      arcsSeenDone: arcs.size,
      keysSeenDone: seenKeys,
      bytesSeenDone: seenBytes,
    },
    shards: {
      before: statusBefore.shards.map((s) => ({ id: s.id, keys: Number(s.keys), bytes: Number(s.bytes) })),
      after: statusAfter.shards.map((s) => ({ id: s.id, keys: Number(s.keys), bytes: Number(s.bytes), state: s.state })),
      totalKeysAfter: totalAfter,
      totalKeysRightAfter: totalRightAfter,
      cleanupLagMs: totalRightAfter === N ? 0 : cleanupLagMs,
      newShardKeys: newShard ? Number(newShard.keys) : 0,
    },
    foreground: {
      before: strip(baseline),
      during: strip(fgDuring),
      p99Ratio: baseline.p99Ms > 0 ? Math.round((fgDuring.p99Ms / baseline.p99Ms) * 100) / 100 : null,
      p50Ratio: baseline.p50Ms > 0 ? Math.round((fgDuring.p50Ms / baseline.p50Ms) * 100) / 100 : null,
    },
    targets: {},
  };
  result.targets = {
    keysPerSec: { target: 20_000, value: result.migration.keysPerSec, met: result.migration.keysPerSec >= 20_000 },
    p99Ratio: { target: 3, value: result.foreground.p99Ratio, met: result.foreground.p99Ratio !== null && result.foreground.p99Ratio <= 3 },
  };
  const checks = [];
  if (totalAfter !== N) checks.push(`total live keys after the migration is ${totalAfter}, expected ${N}`);
  if (keysMoved !== ideal) checks.push(`keys moved ${keysMoved} != ideal ${ideal}${recopied ? ` (${recopied} arcs copied again)` : ''}`);
  if (newShard && Number(newShard.keys) !== ideal) checks.push(`${spare.name} holds ${newShard.keys} keys, the ring says ${ideal}`);
  result.checks = checks;

  const table = markdown(result);
  console.log(table);
  if (checks.length) console.log(`\nchecks: ${checks.join('; ')}`);
  if (args.json) writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
  if (args.md) writeSection(args.md, table);
} catch (err) {
  exitCode = 1;
  console.error(`[bench:migration] failed: ${err.stack ?? err}`);
  console.error(`router log tail:\n${cluster.router.log().split('\n').slice(-20).join('\n')}`);
} finally {
  await Promise.all(clients.map((c) => c.close()));
  await cluster.stop();
}
process.exit(exitCode);

function strip(r) {
  const { histogram: _h, ...rest } = r;
  return rest;
}

function markdown(r) {
  const f = (n) => Math.round(n).toLocaleString('en-US');
  const m = r.migration;
  const fb = r.foreground.before;
  const fd = r.foreground.during;
  const mark = (t) => (t.met ? 'met' : 'missed');
  const lines = [
    `Run ${r.date.slice(0, 16).replace('T', ' ')} UTC on commit \`${r.commit}\`, ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGiB} GiB RAM, ${r.machine.os}, Node ${r.machine.node}; 1-min load average ${r.machine.loadAvgStart} at the start, ${r.machine.loadAvgEnd} at the end.`,
    '',
    '```',
    r.command,
    '```',
    '',
    `3 shards holding ${f(r.config.keys)} keys of ${r.config.valueBytes} B (loaded through the SDK at ${f(r.load.keysPerSec)} keys/s, ${r.config.loadInflight} puts in flight), then \`AddShard shard-4\`. Foreground: ${r.config.fgInflight} requests in flight, ${Math.round(r.config.fgReadRatio * 100)}% get / ${Math.round((1 - r.config.fgReadRatio) * 100)}% put on random loaded keys, ${r.config.baselineSeconds} s before the change and for the whole migration.${r.config.routerArgs.length ? ` Router flags: \`${r.config.routerArgs.join(' ')}\`.` : ''}`,
    '',
    '| metric | value | target |',
    '|---|---:|---|',
    `| keys moved (router: sum of "arcs migrated") | ${f(m.keysMoved)} | |`,
    `| ideal (keys whose owner changes per \`Ring.diff\`) | ${f(r.ideal.keys)} (${(r.ideal.fractionOfKeys * 100).toFixed(2)}% of keys; ${r.ideal.ringDiffArcs} arcs, ${(r.ideal.ringDiffFraction * 100).toFixed(2)}% of the ring) | |`,
    `| moved / ideal | ${m.movedOverIdeal ?? 'n/a'} | 1 |`,
    `| migration wall time (commit to done) | ${m.seconds.toFixed(2)} s (+ ${(r.plan.planMs / 1000).toFixed(2)} s planning) | |`,
    `| **keys/s moved** | **${f(m.keysPerSec)}** | ≥ 20,000 (${mark(r.targets.keysPerSec)}) |`,
    `| MB/s moved | ${m.mbPerSec} (${(m.bytesMoved / 2 ** 20).toFixed(1)} MiB) | |`,
    `| waves / hand-off pause (mean, max) | ${m.waves} / ${m.handoffMs.mean} ms, ${m.handoffMs.max} ms | |`,
    `| foreground before: ops/s, p50, p99 | ${f(fb.opsPerSec)}, ${fb.p50Ms} ms, ${fb.p99Ms} ms | |`,
    `| foreground during: ops/s, p50, p99 | ${f(fd.opsPerSec)}, ${fd.p50Ms} ms, ${fd.p99Ms} ms | |`,
    `| **p99 during / before** | **${r.foreground.p99Ratio}×** | ≤ 3× (${mark(r.targets.p99Ratio)}) |`,
    `| foreground errors during | ${Object.entries(fd.errors).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'} | |`,
    ...Object.keys(fd.classes ?? {}).map((c) => {
      const b = fb.classes?.[c];
      const d = fd.classes[c];
      return `| p50 / p99 of ${c} keys, before → during | ${b ? `${b.p50Ms} / ${b.p99Ms} ms` : 'n/a'} → ${d.p50Ms} / ${d.p99Ms} ms | |`;
    }),
    `| live keys after (all shards / shard-4) | ${f(r.shards.totalKeysAfter)} / ${f(r.shards.newShardKeys)}${r.shards.totalKeysRightAfter !== r.shards.totalKeysAfter ? ` (${f(r.shards.totalKeysRightAfter)} right after the migration: the old owners' range deletes finished ${r.shards.cleanupLagMs} ms later)` : ''} | ${f(r.config.keys)} / ideal |`,
    '',
    `Router time per step, summed over waves (ms): ${Object.entries(m.stepTotalsMs).map(([k, v]) => `${k} ${f(v)}`).join(', ')}.`,
  ];
  return lines.join('\n');
}

/** Replaces the generated part of the "## Migration" section of a markdown file (creating what is missing). */
function writeSection(path, body) {
  const start = '<!-- bench:migration:start -->';
  const end = '<!-- bench:migration:end -->';
  const block = `${start}\n${body}\n${end}`;
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  if (text.includes(start) && text.includes(end)) {
    text = text.slice(0, text.indexOf(start)) + block + text.slice(text.indexOf(end) + end.length);
  } else if (/^## Migration\s*$/m.test(text)) {
    text = text.replace(/^## Migration\s*$/m, `## Migration\n\n${block}\n`);
  } else {
    text = `${text.trimEnd()}\n\n## Migration\n\n${block}\n`;
  }
  writeFileSync(path, text);
  log(`wrote the Migration section of ${path}`);
}
