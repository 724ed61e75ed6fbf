// Soak run: a local cluster (bench/lib/local-cluster.mjs) under a mixed workload for a bounded
// time, sampled every --sample-seconds: ops/s, errors by code, p50/p99 and the RSS of every
// process. Writes JSON (--json) and a markdown summary (stdout, and into --md between markers).
// See BENCHMARKS.md "Soak".
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import * as hdr from 'hdr-histogram-js';
import { RingKvClient, RingKvError } from '@ringkv/client';
import { benchCommit } from '../lib/commit.mjs';
import { startCluster } from '../lib/local-cluster.mjs';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
    shards: { type: 'string', default: '3' },
    keys: { type: 'string', default: '10000' },
    'value-bytes': { type: 'string', default: '200' },
    'sample-seconds': { type: 'string', default: '10' },
    json: { type: 'string' },
    md: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const minutes = Number(args.minutes);
const concurrency = Number(args.concurrency);
const keys = Number(args.keys);
const sampleMs = Number(args['sample-seconds']) * 1000;
const value = Buffer.alloc(Number(args['value-bytes']), 0x61);
for (const [name, v] of [['minutes', minutes], ['concurrency', concurrency], ['keys', keys], ['sample-seconds', sampleMs]]) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
}
if (concurrency > 1024) throw new Error('--concurrency is at most 1024');
const log = (...a) => { if (!args.quiet) console.error(new Date().toISOString().slice(11, 19), ...a); };

/** The mix: weights of each operation (locks and queues through the SDK, like any user). */
const MIX = [['get', 45], ['put', 30], ['delete', 8], ['lock', 5], ['queuePush', 6], ['queuePopAck', 6]];
const TOTAL_WEIGHT = MIX.reduce((a, [, w]) => a + w, 0);
function pickOp(r) {
  let x = r * TOTAL_WEIGHT;
  for (const [op, w] of MIX) if ((x -= w) < 0) return op;
  return 'get';
}

const histogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, autoResize: true });

const commit = benchCommit({ subject: true });

const machine = { cores: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAvgStart: loadavg()[0] };
const cluster = await startCluster({ shards: Number(args.shards) });
const procs = [['router', cluster.routerChild], ...cluster.nodes.map((n) => [n.id, n.child])];
const rssMiB = (child) => Math.round(cluster.rssOf(child) / 2 ** 20 * 10) / 10;
const client = await RingKvClient.connect({ routers: [cluster.router], timeoutMs: 5_000 });

let result;
try {
  log(`preloading ${keys} keys`);
  let next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < keys) await client.put(`soak:${next++}`, value);
  }));
  log(`running ${minutes} min, ${concurrency} in flight`);
  result = await soak();
} finally {
  await client.close();
  await cluster.stop();
}

async function soak() {
  const startedAt = Date.now();
  const deadline = startedAt + minutes * 60_000;
  const total = histogram();
  let win = { h: histogram(), ops: 0, errors: {}, byOp: {} };
  const totals = { ops: 0, errors: {}, byOp: {} };
  const samples = [];
  let stop = false;
  let firstClientError;
  const queue = client.queue('soak-jobs', { visibilityTimeoutMs: 30_000 });
  const record = (op, t0, err) => {
    if (err) {
      const code = err instanceof RingKvError ? err.code : 'CLIENT_ERROR';
      if (!(err instanceof RingKvError)) firstClientError ??= String(err?.stack ?? err);
      win.errors[code] = (win.errors[code] ?? 0) + 1;
      totals.errors[code] = (totals.errors[code] ?? 0) + 1;
      return;
    }
    const us = Math.max(1, Math.round((performance.now() - t0) * 1000));
    win.h.recordValue(us);
    total.recordValue(us);
    win.ops++;
    totals.ops++;
    win.byOp[op] = (win.byOp[op] ?? 0) + 1;
    totals.byOp[op] = (totals.byOp[op] ?? 0) + 1;
  };
  const one = async (op, rnd) => {
    const key = `soak:${Math.floor(rnd * keys)}`;
    switch (op) {
      case 'get': return client.get(key);
      case 'put': return client.put(key, value);
      case 'delete': return client.delete(key);
      case 'lock': {
        // Short leases on a few names: contention (LOCK_HELD) is part of the workload, not an error.
        try {
          const lock = await client.lock(`soak-lock-${Math.floor(rnd * 16)}`, { ttlMs: 2_000 });
          await lock.release();
        } catch (err) {
          if (!(err instanceof RingKvError) || err.code !== 'LOCK_HELD') throw err;
        }
        return undefined;
      }
      case 'queuePush': return queue.push(value.subarray(0, 64));
      case 'queuePopAck': {
        const msg = await queue.pop();
        if (msg) await queue.ack(msg.receipt);
        return undefined;
      }
    }
    return undefined;
  };
  const worker = async (n) => {
    let s = (n + 1) * 2654435761 >>> 0;
    const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 4294967296);
    while (!stop && Date.now() < deadline) {
      const op = pickOp(rnd());
      const t0 = performance.now();
      try {
        await one(op, rnd());
        record(op, t0);
      } catch (err) {
        record(op, t0, err);
      }
    }
  };
  const sample = () => {
    const now = Date.now();
    const seconds = (now - (samples.at(-1)?.atMs ?? startedAt)) / 1000;
    const s = {
      atMs: now, elapsedS: Math.round((now - startedAt) / 1000), opsPerSec: Math.round(win.ops / seconds),
      p50Us: win.h.getValueAtPercentile(50), p99Us: win.h.getValueAtPercentile(99), errors: win.errors, byOp: win.byOp,
      rssMiB: Object.fromEntries([...procs.map(([name, child]) => [name, rssMiB(child)]), ['loadgen', Math.round(process.memoryUsage().rss / 2 ** 20 * 10) / 10]]),
      loadAvg: Math.round(loadavg()[0] * 100) / 100,
    };
    samples.push(s);
    log(`t=${s.elapsedS}s ${s.opsPerSec} ops/s p50 ${s.p50Us}us p99 ${s.p99Us}us errors ${JSON.stringify(s.errors)} rss ${JSON.stringify(s.rssMiB)}`);
    win = { h: histogram(), ops: 0, errors: {}, byOp: {} };
  };
  const timer = setInterval(sample, sampleMs);
  const hardStop = setTimeout(() => { stop = true; }, minutes * 60_000 + 10_000);
  await Promise.all(Array.from({ length: concurrency }, (_, n) => worker(n)));
  clearInterval(timer);
  clearTimeout(hardStop);
  // The last partial window, unless it is too short to say anything.
  if (samples.length === 0 || Date.now() - samples.at(-1).atMs > sampleMs / 2) sample();
  const elapsed = (Date.now() - startedAt) / 1000;
  return {
    seconds: Math.round(elapsed * 10) / 10, ops: totals.ops, opsPerSec: Math.round(totals.ops / elapsed), byOp: totals.byOp,
    errors: totals.errors, p50Us: total.getValueAtPercentile(50), p99Us: total.getValueAtPercentile(99),
    p999Us: total.getValueAtPercentile(99.9), maxUs: total.maxValue, samples,
    ...(firstClientError ? { firstClientError } : {}),
  };
}

machine.loadAvgEnd = loadavg()[0];
const out = { date: new Date().toISOString(), commit, machine, config: { minutes, concurrency, keys, valueBytes: value.length, shards: Number(args.shards), sampleSeconds: sampleMs / 1000, mix: Object.fromEntries(MIX) }, ...result };
if (args.json) writeFileSync(args.json, JSON.stringify(out, null, 2));
const md = markdown(out);
console.log(md);
if (args.md) {
  let text = readFileSync(args.md, 'utf8');
  const block = `<!-- bench:soak:start -->\n${md}\n<!-- bench:soak:end -->`;
  if (text.includes('<!-- bench:soak:start -->')) text = text.replace(/<!-- bench:soak:start -->[\s\S]*<!-- bench:soak:end -->/, block);
  else text += `\n${block}\n`;
  writeFileSync(args.md, text);
}
process.exit(0);

function markdown(r) {
  const m = r.machine;
  const names = Object.keys(r.samples[0]?.rssMiB ?? {});
  const fmtErr = (e) => Object.entries(e).map(([c, n]) => `${c} ${n}`).join(', ') || '0';
  // One row per minute (per sample for runs under two minutes).
  const per = r.config.minutes >= 2 ? Math.max(1, Math.round(60 / r.config.sampleSeconds)) : 1;
  const rows = [];
  for (let i = 0; i < r.samples.length; i += per) {
    const group = r.samples.slice(i, i + per);
    const last = group.at(-1);
    const errors = {};
    for (const s of group) for (const [c, n] of Object.entries(s.errors)) errors[c] = (errors[c] ?? 0) + n;
    rows.push(`| ${last.elapsedS} | ${Math.round(group.reduce((a, s) => a + s.opsPerSec, 0) / group.length).toLocaleString('en-US')} | ${Math.max(...group.map((s) => s.p50Us))} | ${Math.max(...group.map((s) => s.p99Us))} | ${fmtErr(errors)} | ${names.map((n) => last.rssMiB[n]).join(' | ')} | ${last.loadAvg} |`);
  }
  const rss = (n) => r.samples.map((s) => s.rssMiB[n]);
  return [
    `Run ${r.date.slice(0, 16).replace('T', ' ')} UTC on commit \`${r.commit}\`, ${m.cores} × ${m.cpuModel}, ${m.memGiB} GiB RAM, Node ${m.node}; 1-min load average ${m.loadAvgStart.toFixed(2)} at the start, ${m.loadAvgEnd.toFixed(2)} at the end (the machine is shared). ${r.config.shards} shards + 1 router, ${r.config.concurrency} operations in flight, ${r.config.keys.toLocaleString('en-US')} keys of ${r.config.valueBytes} B, mix ${Object.entries(r.config.mix).map(([k, v]) => `${k} ${v}%`).join(', ')}.`,
    '',
    '```',
    `pnpm soak -- --minutes ${r.config.minutes} --concurrency ${r.config.concurrency}`,
    '```',
    '',
    '| figure | value |',
    '|---|---:|',
    `| duration | ${r.seconds} s |`,
    `| operations (successful) | ${r.ops.toLocaleString('en-US')} |`,
    `| throughput | ${r.opsPerSec.toLocaleString('en-US')} ops/s |`,
    `| p50 / p99 / p99.9 / max | ${r.p50Us} / ${r.p99Us} / ${r.p999Us} / ${r.maxUs} us |`,
    `| errors | ${fmtErr(r.errors)} |`,
    ...names.map((n) => `| RSS ${n}: first / max / last sample | ${rss(n)[0]} / ${Math.max(...rss(n))} / ${rss(n).at(-1)} MiB |`),
    '',
    `| t (s) | ops/s | p50 (us) | p99 (us) | errors | ${names.map((n) => `RSS ${n} (MiB)`).join(' | ')} | load avg |`,
    `|---:|---:|---:|---:|---|${names.map(() => '---:').join('|')}|---:|`,
    ...rows,
  ].join('\n');
}
