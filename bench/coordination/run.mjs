#!/usr/bin/env node
// Locks and queues: ringkv vs Redis, same load generator, same run. See BENCHMARKS.md.
//   pnpm bench:coordination -- --seconds 10 --workers 64 [--systems ringkv,redis] [--json f] [--md BENCHMARKS.md]
//
// lock:  a worker takes a lock (its own name of 1,000, so uncontended), then releases it.
//        ringkv: client.lock() + lock.release(). Redis: SET name token NX PX ttl, then the
//        usual compare-and-delete Lua script (what Redlock's single-instance form does).
// queue: a worker pushes a message to one of 8 queues, then pops one and acknowledges it.
//        ringkv: push + pop + ack. Redis: Streams with a consumer group (the at-least-once
//        peer of pop/ack): XADD, XREADGROUP COUNT 1, XACK.
// Both clients pipeline what workers issue in the same tick (ringkv's SDK always does;
// ioredis with enableAutoPipelining).
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import * as hdr from 'hdr-histogram-js';
import { RingKvClient } from '@ringkv/client';
import { benchCommit } from '../lib/commit.mjs';
import { startCluster, startRedis } from '../lib/local-cluster.mjs';

const argv = process.argv.slice(2);
const { values: args } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    seconds: { type: 'string', default: '10' },
    workers: { type: 'string', default: '64' },
    systems: { type: 'string', default: 'ringkv,redis' },
    json: { type: 'string' },
    md: { type: 'string' },
  },
});
const seconds = Number(args.seconds);
const workers = Number(args.workers);
const systems = args.systems.split(',');
const log = (...a) => console.error('[bench:coordination]', ...a);
const QUEUES = 8;
const LOCK_NAMES = 1_000;

/** Runs `workers` loops of `cycle` for `seconds`; counts cycles and errors, times each cycle (µs). */
async function drive(cycle) {
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let cycles = 0;
  const errors = new Map();
  const start = Date.now();
  const until = start + seconds * 1000;
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; Date.now() < until; i++) {
      const t = process.hrtime.bigint();
      try {
        await cycle(w, i);
        hist.recordValue(Math.max(1, Number((process.hrtime.bigint() - t) / 1000n)));
        cycles++;
      } catch (err) {
        const code = err.code ?? err.message;
        errors.set(code, (errors.get(code) ?? 0) + 1);
      }
    }
  }));
  const elapsed = (Date.now() - start) / 1000;
  return {
    cycles, perSec: cycles / elapsed, p50Ms: hist.getValueAtPercentile(50) / 1000, p99Ms: hist.getValueAtPercentile(99) / 1000,
    errors: Object.fromEntries(errors),
  };
}

async function runRingkv() {
  const env = await startCluster();
  const client = await RingKvClient.connect({ routers: [env.router] });
  try {
    const queues = Array.from({ length: QUEUES }, (_, i) => client.queue(`bench-q${i}`, { visibilityTimeoutMs: 30_000 }));
    const body = Buffer.alloc(100, 'm');
    log('ringkv lock');
    const lock = await drive(async (w, i) => {
      const l = await client.lock(`bench-lock-${(w * 31 + i) % LOCK_NAMES}`, { ttlMs: 10_000 });
      await l.release();
    });
    log('ringkv queue');
    const queue = await drive(async (w) => {
      const q = queues[w % QUEUES];
      await q.push(body);
      const m = await q.pop();
      if (m) await q.ack(m.receipt);
    });
    return { lock, queue };
  } finally {
    await client.close();
    await env.stop();
  }
}

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

async function runRedis() {
  const redisEnv = await startRedis();
  const { default: Redis } = await import('ioredis');
  const redis = new Redis({ host: '127.0.0.1', port: redisEnv.port, enableAutoPipelining: true });
  try {
    redis.defineCommand('release', { numberOfKeys: 1, lua: RELEASE });
    log('redis lock');
    let n = 0;
    const lock = await drive(async (w, i) => {
      const name = `bench-lock-${(w * 31 + i) % LOCK_NAMES}`;
      const token = String(++n);
      if ((await redis.set(name, token, 'PX', 10_000, 'NX')) !== 'OK') throw Object.assign(new Error('held'), { code: 'LOCK_HELD' });
      if ((await redis.release(name, token)) !== 1) throw Object.assign(new Error('lost'), { code: 'LOCK_NOT_HELD' });
    });
    for (let i = 0; i < QUEUES; i++) await redis.xgroup('CREATE', `bench-q${i}`, 'g', '$', 'MKSTREAM');
    const body = Buffer.alloc(100, 'm');
    log('redis queue');
    const queue = await drive(async (w) => {
      const q = `bench-q${w % QUEUES}`;
      await redis.xadd(q, '*', 'b', body);
      const res = await redis.xreadgroup('GROUP', 'g', `c${w}`, 'COUNT', 1, 'STREAMS', q, '>');
      const id = res?.[0]?.[1]?.[0]?.[0];
      if (id) await redis.xack(q, 'g', id);
    });
    return { lock, queue };
  } finally {
    redis.disconnect();
    await redisEnv.stop();
  }
}

const results = {
  date: new Date().toISOString(),
  config: { seconds, workers, queues: QUEUES, lockNames: LOCK_NAMES },
  machine: { cores: cpus().length, cpuModel: cpus()[0]?.model ?? '?', memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAvgStart: loadavg()[0] },
};
if (systems.includes('ringkv')) results.ringkv = await runRingkv();
if (systems.includes('redis')) results.redis = await runRedis();
results.machine.loadAvgEnd = loadavg()[0];

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const row = (what, unit, key) => {
  const r = results.ringkv?.[key];
  const d = results.redis?.[key];
  const ratio = r && d ? (r.perSec / d.perSec).toFixed(2) : '-';
  const cell = (x) => (x ? `${fmt(x.perSec)} ${unit}/s, p50 ${x.p50Ms.toFixed(2)} ms, p99 ${x.p99Ms.toFixed(2)} ms` : '-');
  return `| ${what} | ${cell(r)} | ${cell(d)} | ${ratio} |`;
};
const table = [
  '| workload | ringkv | Redis | ringkv / Redis |',
  '|---|---|---|---|',
  row('lock: acquire + release', 'cycles', 'lock'),
  row('queue: push + pop + ack', 'messages', 'queue'),
].join('\n');
const errors = ['ringkv', 'redis'].flatMap((s) => ['lock', 'queue'].map((w) => [s, w, results[s]?.[w]?.errors]))
  .filter(([, , e]) => e && Object.keys(e).length > 0).map(([s, w, e]) => `- ${s} ${w} errors: ${JSON.stringify(e)}`).join('\n');
console.log(table);
if (errors) console.log(errors);
if (args.json) writeFileSync(args.json, JSON.stringify({ ...results, table }, null, 2));
if (args.md) {
  const commit = benchCommit();
  const m = results.machine;
  const block = [
    '<!-- bench:coordination:start -->',
    `Run ${results.date.slice(0, 16).replace('T', ' ')} UTC on commit \`${commit}\`, ${m.cores} × ${m.cpuModel}, Node ${m.node}; 1-min load average ${m.loadAvgStart.toFixed(2)} at the start, ${m.loadAvgEnd.toFixed(2)} at the end. ${workers} workers, ${seconds} s per workload and system; ringkv: 3 shards and a router on this machine; Redis: one redis-server (AOF, fsync every second), ioredis with auto-pipelining.`,
    '',
    '```',
    `pnpm bench:coordination -- ${argv.filter((a) => a !== '--').join(' ')}`,
    '```',
    '',
    table,
    errors ? `\n${errors}` : '',
    '<!-- bench:coordination:end -->',
  ].join('\n');
  let text = readFileSync(args.md, 'utf8');
  if (text.includes('<!-- bench:coordination:start -->')) text = text.replace(/<!-- bench:coordination:start -->[\s\S]*<!-- bench:coordination:end -->/, block);
  else text += `\n${block}\n`;
  writeFileSync(args.md, text);
}
process.exit(0);
