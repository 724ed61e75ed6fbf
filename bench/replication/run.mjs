#!/usr/bin/env node
// Write cost of replication: the same write load against 3 shards and one router, bootstrapped
// with each replication factor in turn (fresh cluster per factor). See BENCHMARKS.md.
//   pnpm bench:replication -- --factors 1,3 --rounds 2 --workload insert --seconds 15 --inflight 64 [--json f] [--md BENCHMARKS.md]
//
// --rounds N runs the factors N times, alternating (1, 3, 1, 3, ...), so that load from
// elsewhere on the machine hits every factor alike; the summary compares the means.
//
// The lone router coordinates itself in every run (as a replicated cluster would), so the only
// difference between the runs is the replication factor: with RF N every write is applied by
// its primary and then by the N - 1 other replicas before it is acknowledged.
// Workloads (bench/lib/load.mjs): insert (100% puts of new keys, the default) or a (50% reads,
// 50% updates, zipfian); reads go to the primary.
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { RingKvClient } from '@ringkv/client';
import { benchCommit } from '../lib/commit.mjs';
import { startCluster, startRedis } from '../lib/local-cluster.mjs';
import { WORKLOADS, preload, runWorkload } from '../lib/load.mjs';

const argv = process.argv.slice(2);
const { values: args } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    factors: { type: 'string', default: '1,3' },
    rounds: { type: 'string', default: '1' },
    workload: { type: 'string', default: 'insert' },
    shards: { type: 'string', default: '3' },
    inflight: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '15' },
    keys: { type: 'string', default: '100000' },
    'value-size': { type: 'string', default: '100' },
    json: { type: 'string' },
    md: { type: 'string' },
    // The peer: redis-server with the same number of copies (a primary and RF-1 replicas), each
    // SET followed by WAIT RF-1 (acknowledged once the replicas have it). 'none' skips it.
    peer: { type: 'string', default: 'redis' },
  },
});
const factors = args.factors.split(',').map(Number);
const rounds = Number(args.rounds);
const shards = Number(args.shards);
const inflight = Number(args.inflight);
const seconds = Number(args.seconds);
const keys = Number(args.keys);
const value = Buffer.alloc(Number(args['value-size']), 'v');
const workload = args.workload;
if (!WORKLOADS[workload]) throw new Error(`unknown workload ${workload}: use insert or a`);
for (const f of factors) if (!Number.isInteger(f) || f < 1 || f > shards) throw new Error(`replication factor ${f}: must be 1..${shards}`);
const log = (...a) => console.error('[bench:replication]', ...a);

const commit = benchCommit({ subject: true });
const results = {
  date: new Date().toISOString(),
  commit,
  machine: { cores: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAvgStart: loadavg()[0] },
  args, runs: [],
};

/**
 * A redis-server primary with rf-1 replicas; a put is SET then WAIT rf-1 (Redis's synchronous
 * replication acknowledgement), failing if fewer replicas acknowledged within 1 s.
 */
async function redisReplicated(rf) {
  const primary = await startRedis();
  const replicas = [];
  for (let i = 1; i < rf; i++) replicas.push(await startRedis({ replicaOf: primary.port }));
  const { default: Redis } = await import('ioredis');
  const r = new Redis({ host: '127.0.0.1', port: primary.port });
  const deadline = Date.now() + 20_000;
  while (rf > 1 && Number(/connected_slaves:(\d+)/.exec(await r.info('replication'))?.[1] ?? 0) < rf - 1) {
    if (Date.now() > deadline) throw new Error('redis replicas did not connect');
    await new Promise((res) => setTimeout(res, 100));
  }
  const put = async (k, v) => {
    await r.set(k, v);
    if (rf > 1 && (await r.wait(rf - 1, 1000)) < rf - 1) throw new Error(`WAIT: fewer than ${rf - 1} replicas acknowledged`);
  };
  return {
    sys: { get: (k) => r.getBuffer(k), put, close: async () => r.quit() },
    stop: async () => {
      for (const x of replicas) await x.stop();
      await primary.stop();
    },
  };
}

for (const [round, rf] of Array.from({ length: rounds }, (_, i) => factors.map((f) => [i + 1, f])).flat()) {
  if (args.peer === 'redis') {
    log(`round ${round}, redis RF ${rf}: a primary and ${rf - 1} replicas, SET + WAIT ${rf - 1}, ${WORKLOADS[workload].name}, ${inflight} in flight, ${seconds}s`);
    const peer = await redisReplicated(rf);
    try {
      if (!WORKLOADS[workload].insert) await preload(peer.sys, keys, value, inflight);
      const r = await runWorkload(peer.sys, { workload, keys, value, inflight, seconds });
      log(`  ${Math.round(r.opsPerSec)} ops/s p50 ${r.p50Us}us p99 ${r.p99Us}us errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}`);
      results.runs.push({ round, system: 'redis', replicationFactor: rf, workload, ...r, loadAvg: loadavg()[0] });
    } finally {
      await peer.sys.close();
      await peer.stop();
    }
  }
  log(`round ${round}, RF ${rf}: ${shards} shards, ${WORKLOADS[workload].name}, ${inflight} in flight, ${seconds}s`);
  const env = await startCluster({ shards, routerArgs: ['--replication-factor', String(rf)] });
  const client = await RingKvClient.connect({ routers: [env.router] });
  const sys = { get: (k) => client.get(k), put: (k, v) => client.put(k, v), close: () => client.close() };
  try {
    const status = await client.admin.clusterMap();
    if (status.replicationFactor !== rf) throw new Error(`cluster started with replication factor ${status.replicationFactor}, not ${rf}`);
    if (!WORKLOADS[workload].insert) {
      const t = performance.now();
      await preload(sys, keys, value, inflight);
      log(`  loaded ${keys} keys in ${((performance.now() - t) / 1000).toFixed(1)}s`);
    }
    const r = await runWorkload(sys, { workload, keys, value, inflight, seconds });
    log(`  ${Math.round(r.opsPerSec)} ops/s p50 ${r.p50Us}us p99 ${r.p99Us}us errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}`);
    results.runs.push({ round, system: 'ringkv', replicationFactor: rf, workload, ...r, loadAvg: loadavg()[0] });
  } finally {
    await sys.close();
    await env.stop();
  }
}
results.machine.loadAvgEnd = loadavg()[0];

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const ms = (us) => (us / 1000).toFixed(2);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Per system and factor: mean throughput and mean p50/p99 over its rounds. */
const systems = [...new Set(results.runs.map((r) => r.system))];
results.summary = systems.flatMap((system) => factors.map((rf) => {
  const runs = results.runs.filter((r) => r.system === system && r.replicationFactor === rf);
  return { system, replicationFactor: rf, runs: runs.length, opsPerSec: mean(runs.map((r) => r.opsPerSec)), p50Us: mean(runs.map((r) => r.p50Us)), p99Us: mean(runs.map((r) => r.p99Us)), errors: runs.reduce((a, r) => a + r.errors, 0) };
}));
const summaryOf = (system, rf) => results.summary.find((r) => r.system === system && r.replicationFactor === rf);
const label = { ringkv: 'ringkv', redis: 'redis-server (SET + WAIT)' };
const lines = [
  '| run | system | replication factor | ops/s | p50 (ms) | p99 (ms) | errors | ops/s vs RF 1 | p99 vs RF 1 | ringkv / redis ops/s |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
];
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : 'n/a');
const row = (name, r, base, peer) => lines.push(`| ${name} | ${label[r.system]} | ${r.replicationFactor} | ${fmt(r.opsPerSec)} | ${ms(r.p50Us)} | ${ms(r.p99Us)} | ${r.errors} | `
  + `${ratio(r.opsPerSec, base?.opsPerSec)} | ${ratio(r.p99Us, base?.p99Us)} | ${r.system === 'ringkv' ? ratio(r.opsPerSec, peer?.opsPerSec) : ''} |`);
for (const r of results.runs) {
  const same = (sys, rf) => results.runs.find((x) => x.round === r.round && x.system === sys && x.replicationFactor === rf);
  row(`round ${r.round} (load avg ${r.loadAvg.toFixed(1)})`, r, same(r.system, 1), same('redis', r.replicationFactor));
}
if (rounds > 1) for (const r of results.summary) row(`**mean of ${r.runs}**`, r, summaryOf(r.system, 1), summaryOf('redis', r.replicationFactor));
const table = lines.join('\n');
console.log(table);
if (args.json) writeFileSync(args.json, JSON.stringify({ ...results, table }, null, 2));
if (args.md) {
  const m = results.machine;
  const block = [
    '<!-- bench:replication:start -->',
    `Run ${results.date.slice(0, 16).replace('T', ' ')} UTC on commit \`${commit}\`, ${m.cores} × ${m.cpuModel}, ${m.memGiB} GiB RAM, Node ${m.node}; `
      + `1-min load average ${m.loadAvgStart.toFixed(2)} at the start, ${m.loadAvgEnd.toFixed(2)} at the end. ${shards} shards and one router (a lone router coordinates itself) `
      + `on this machine, a fresh cluster per replication factor, and redis-server with as many copies (a primary and RF-1 replicas, each SET followed by WAIT RF-1) driven by ioredis with the same load generator; ${WORKLOADS[workload].name}, ${inflight} in flight, ${value.length} B values, ${seconds} s per run.`,
    '',
    '```',
    `pnpm bench:replication -- ${argv.filter((a) => a !== '--').join(' ')}`,
    '```',
    '',
    table,
    '<!-- bench:replication:end -->',
  ].join('\n');
  let text = readFileSync(args.md, 'utf8');
  if (text.includes('<!-- bench:replication:start -->')) text = text.replace(/<!-- bench:replication:start -->[\s\S]*<!-- bench:replication:end -->/, block);
  else text += `\n${block}\n`;
  writeFileSync(args.md, text);
}
process.exit(0);
