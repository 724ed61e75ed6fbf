#!/usr/bin/env node
// ringkv vs Redis, same load generator, same run. See BENCHMARKS.md.
//   pnpm bench -- --workload a|c|insert|all --inflight 64 --seconds 20 --json out.json
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg, cpus, totalmem } from 'node:os';
import { RingKvClient } from '@ringkv/client';
import { Ownership, Ring, hash32, newClusterMap } from '@ringkv/core';
import { benchCommit } from '../lib/commit.mjs';
import { startCluster, startRedis } from '../lib/local-cluster.mjs';
import { WORKLOADS, preload, runWorkload, keyOf } from '../lib/load.mjs';
import { connectDirect } from './direct-client.mjs';

// `pnpm bench -- --workload a` passes the `--` through.
const argv = process.argv.slice(2);
const { values: args } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    workload: { type: 'string', default: 'all' },
    inflight: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '20' },
    keys: { type: 'string', default: '100000' },
    'value-size': { type: 'string', default: '100' },
    json: { type: 'string' },
    md: { type: 'string' },
    systems: { type: 'string', default: 'ringkv,redis,direct' },
    transport: { type: 'string', default: 'stream' },
    'memory-keys': { type: 'string', default: '0' },
    'skip-micro': { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const inflight = Number(args.inflight);
const seconds = Number(args.seconds);
const keys = Number(args.keys);
const value = Buffer.alloc(Number(args['value-size']), 'v');
const workloads = args.workload === 'all' ? Object.keys(WORKLOADS) : args.workload.split(',');
for (const w of workloads) if (!WORKLOADS[w]) throw new Error(`unknown workload ${w}: use a, c, insert or all`);
const systems = args.systems.split(',');
const log = (...a) => console.error('[bench]', ...a);

function micro() {
  const out = {};
  const keysBuf = Array.from({ length: 10_000 }, (_, i) => Buffer.from(keyOf(i)));
  const time = (fn, n) => {
    for (let i = 0; i < n / 10; i++) fn(i);
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    return Number(process.hrtime.bigint() - t) / n;
  };
  let sink = 0;
  out.hashNsPerOp = time((i) => { sink ^= hash32(keysBuf[i % keysBuf.length]); }, 1_000_000);
  for (const shards of [3, 10]) {
    const members = Array.from({ length: shards }, (_, i) => ({ id: `shard-${i}`, address: `127.0.0.1:${7401 + i}`, weight: 1, state: 'active' }));
    const ring = new Ring(members);
    const own = new Ownership(newClusterMap('bench', members));
    const hashes = keysBuf.map((k) => hash32(k));
    out[`ringLookupNsPerOp_${shards}shards`] = time((i) => { sink ^= ring.tokenIndex(hashes[i % hashes.length]); }, 1_000_000);
    out[`hashAndOwnerNsPerOp_${shards}shards`] = time((i) => { sink ^= own.ownerOf(hash32(keysBuf[i % keysBuf.length])).length; }, 1_000_000);
  }
  return sink === 0.5 ? {} : out;
}

async function ringkvSystem(router) {
  const client = await RingKvClient.connect({ routers: [router], transport: args.transport });
  return { get: (k) => client.get(k), put: (k, v) => client.put(k, v), close: () => client.close() };
}

async function redisSystem(port) {
  const { default: Redis } = await import('ioredis');
  const r = new Redis({ host: '127.0.0.1', port });
  await r.ping();
  return { get: (k) => r.getBuffer(k), put: (k, v) => r.set(k, v), close: async () => r.quit() };
}

const commit = benchCommit({ subject: true });
const results = {
  date: new Date().toISOString(),
  commit,
  machine: { cores: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAvgStart: loadavg()[0] },
  args, runs: [], micro: undefined, memory: undefined,
};
if (!args['skip-micro']) {
  results.micro = micro();
  log('micro', results.micro);
}

for (const workload of workloads) {
  for (const name of systems) {
    log(`${name}: ${WORKLOADS[workload].name}, ${inflight} in flight, ${seconds}s`);
    let env;
    let sys;
    if (name === 'redis') {
      env = await startRedis();
      sys = await redisSystem(env.port);
    } else {
      env = await startCluster();
      sys = name === 'direct' ? await connectDirect(env.router) : await ringkvSystem(env.router);
    }
    try {
      if (!WORKLOADS[workload].insert) {
        const t = performance.now();
        await preload(sys, keys, value, inflight);
        log(`  loaded ${keys} keys in ${((performance.now() - t) / 1000).toFixed(1)}s`);
      }
      const r = await runWorkload(sys, { workload, keys, value, inflight, seconds });
      log(`  ${Math.round(r.opsPerSec)} ops/s p50 ${r.p50Us}us p99 ${r.p99Us}us errors ${r.errors}`);
      results.runs.push({ workload, system: name, ...r });
    } finally {
      await sys.close();
      await env.stop();
    }
  }
}

const memoryKeys = Number(args['memory-keys']);
if (memoryKeys > 0) {
  const env = await startCluster();
  const sys = await ringkvSystem(env.router);
  const t = performance.now();
  await preload(sys, memoryKeys, value, 256);
  await sys.close();
  results.memory = { keys: memoryKeys, loadSeconds: (performance.now() - t) / 1000, rssBytesPerShard: env.nodes.map((n) => env.rssOf(n.child)) };
  log('memory', results.memory);
  await env.stop();
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const lines = ['| workload | system | ops/s | p50 (us) | p99 (us) | errors | ops/s vs Redis |', '|---|---|---:|---:|---:|---:|---:|'];
for (const r of results.runs) {
  const redis = results.runs.find((x) => x.workload === r.workload && x.system === 'redis');
  const ratio = redis ? (r.opsPerSec / redis.opsPerSec).toFixed(2) : 'n/a';
  const label = { ringkv: 'ringkv (SDK -> router -> 3 shards)', redis: 'redis-server (ioredis)', direct: 'ringkv direct (SDK -> shard, no router)' }[r.system];
  lines.push(`| ${r.workload} | ${label} | ${fmt(r.opsPerSec)} | ${r.p50Us} | ${r.p99Us} | ${r.errors} | ${ratio} |`);
}
for (const w of workloads) {
  const a = results.runs.find((x) => x.workload === w && x.system === 'ringkv');
  const d = results.runs.find((x) => x.workload === w && x.system === 'direct');
  if (a && d) lines.push(`| ${w} | router cost: ringkv / direct | ${(a.opsPerSec / d.opsPerSec).toFixed(2)} | | | | |`);
}
const table = lines.join('\n');
console.log(table);
if (results.micro) console.log('\n' + Object.entries(results.micro).map(([k, v]) => `- ${k}: ${v.toFixed(1)} ns`).join('\n'));
if (results.memory) console.log(`\n- RSS per shard after ${results.memory.keys} keys: ${results.memory.rssBytesPerShard.map((b) => (b / 2 ** 20).toFixed(0) + ' MiB').join(', ')}`);
results.machine.loadAvgEnd = loadavg()[0];
if (args.json) writeFileSync(args.json, JSON.stringify({ ...results, table }, null, 2));
if (args.md) {
  const m = results.machine;
  const extra = [
    results.micro ? Object.entries(results.micro).map(([k, v]) => `- ${k}: ${v.toFixed(1)} ns`).join('\n') : '',
    results.memory ? `- RSS per shard after loading ${results.memory.keys.toLocaleString('en-US')} keys of ${value.length} B: ${results.memory.rssBytesPerShard.map((b) => `${(b / 2 ** 20).toFixed(0)} MiB`).join(', ')}` : '',
  ].filter(Boolean).join('\n');
  const block = [
    '<!-- bench:kv:start -->',
    `Run ${results.date.slice(0, 16).replace('T', ' ')} UTC on commit \`${commit}\`, ${m.cores} × ${m.cpuModel}, ${m.memGiB} GiB RAM, Node ${m.node}; 1-min load average ${m.loadAvgStart.toFixed(2)} at the start, ${m.loadAvgEnd.toFixed(2)} at the end. ${inflight} in flight, ${keys.toLocaleString('en-US')} keys, ${value.length} B values, ${seconds} s per workload and system.`,
    '',
    '```',
    `pnpm bench -- ${argv.filter((a) => a !== '--').join(' ')}`,
    '```',
    '',
    table,
    '',
    extra,
    '<!-- bench:kv:end -->',
  ].join('\n');
  let text = readFileSync(args.md, 'utf8');
  if (text.includes('<!-- bench:kv:start -->')) text = text.replace(/<!-- bench:kv:start -->[\s\S]*<!-- bench:kv:end -->/, block);
  else text += `\n${block}\n`;
  writeFileSync(args.md, text);
}
process.exit(0);
