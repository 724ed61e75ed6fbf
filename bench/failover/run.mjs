// Failover benchmark (issue 14): how long a failure keeps keys unwritable, and what the
// control plane costs.
//
// 1. primary: one lone router, replication factor 3, default detection settings, writers
//    running; SIGKILL the primary of some keys and time until the first acknowledged write
//    to one of them. Repeated --runs times (the shard is restarted and caught up in between).
// 2. coordinator: two routers on one etcd (default election TTL); SIGKILL the coordinating
//    router and time until the other reports itself coordinator, and (in the same run, with a
//    shard killed at the same moment) until the first acknowledged write to that shard's keys.
// 3. cost: steady-state insert throughput and CPU per op through one router of a 2-router
//    etcd cluster against a lone router (same shards, same generator, same router).
//
// Usage: node bench/failover/run.mjs [--runs 5] [--seconds 8] [--json out.json] [--md BENCHMARKS.md]
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RingKvClient } from '@ringkv/client';
import { Ownership, hash32 } from '@ringkv/core';
import { EtcdServer } from '@ringkv/cli/internal';
import { freePort } from '../lib/local-cluster.mjs';
import { runWorkload } from '../lib/load.mjs';
import { benchCommit } from '../lib/commit.mjs';

const argv = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const runs = Number(flag('runs', '5'));
const seconds = Number(flag('seconds', '8'));
const args = { json: flag('json'), md: flag('md') };
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE_BIN = join(ROOT, 'packages/node/bin/ringkv-node.js');
const ROUTER_BIN = join(ROOT, 'packages/router/bin/ringkv-router.js');
const log = (m) => process.stderr.write(`${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const children = new Set();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/** CPU seconds (user + sys) of a process so far, from /proc. */
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

/** A cluster of separate processes: `shards` nodes, `routers` routers, optionally on one etcd. */
async function startCluster({ shards = 3, routers = 1, etcd = false, routerArgs = [] }) {
  const dir = mkdtempSync(join(tmpdir(), 'ringkv-bench-fo-'));
  const procs = new Map();
  const spawnProc = (name, bin, a) => {
    const out = openSync(join(dir, `${name}.log`), 'a');
    const child = spawn(process.execPath, [bin, ...a], { stdio: ['ignore', out, out], env: { ...process.env, RINGKV_LOG_LEVEL: 'warn' } });
    children.add(child);
    child.on('exit', () => children.delete(child));
    procs.set(name, { child, bin, args: a });
    return child;
  };
  let etcdServer;
  const etcdArgs = [];
  if (etcd) {
    etcdServer = new EtcdServer({ dataDir: join(dir, 'etcd'), clientPort: await freePort(), peerPort: await freePort() });
    await etcdServer.start();
    children.add(etcdServer.child);
    etcdArgs.push('--etcd', etcdServer.endpoint);
  }
  const nodes = [];
  for (let i = 1; i <= shards; i++) {
    const id = `shard-${i}`;
    const address = `127.0.0.1:${await freePort()}`;
    spawnProc(id, NODE_BIN, ['--id', id, '--listen', address, '--data-dir', join(dir, id)]);
    nodes.push({ id, address });
  }
  const routerAddrs = [];
  for (let i = 1; i <= routers; i++) {
    const id = i === 1 ? 'router' : `router-${i}`;
    const address = `127.0.0.1:${await freePort()}`;
    spawnProc(id, ROUTER_BIN, ['--id', id, '--listen', address, '--data-dir', join(dir, id),
      ...nodes.flatMap((n) => ['--shard', `${n.id}=${n.address}`]), ...etcdArgs, ...(etcd || i === 1 ? [] : ['--serve-only']), ...routerArgs]);
    routerAddrs.push({ id, address });
    // The first router bootstraps the map; the others join it.
    if (i === 1) await waitReady(address, shards);
  }
  for (const r of routerAddrs.slice(1)) await waitReady(r.address, shards);
  const cluster = {
    dir, nodes, routers: routerAddrs, etcd: etcdServer,
    pid: (name) => procs.get(name).child.pid,
    kill(name) {
      const p = procs.get(name);
      const exited = new Promise((r) => (p.child.exitCode !== null || p.child.signalCode !== null ? r() : p.child.once('exit', r)));
      p.child.kill('SIGKILL');
      return exited;
    },
    restart(name) {
      const p = procs.get(name);
      spawnProc(name, p.bin, p.args);
    },
    async stop() {
      for (const { child } of procs.values()) child.kill('SIGKILL');
      await etcdServer?.kill();
      await sleep(200);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

async function waitReady(address, shards) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const c = await RingKvClient.connect({ routers: [address], connectTimeoutMs: 1000 });
      try {
        const st = await c.admin.status({ counts: false });
        const ok = st.shards.length === shards && st.shards.every((s) => s.reachable)
          && (await Promise.all(st.shards.map((_, i) => c.put(`__fo_probe_${i}`, 'x').then(() => true, () => false)))).every(Boolean);
        if (ok) return;
      } finally {
        await c.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`router ${address} not ready: ${err.message}`);
    }
    if (Date.now() > deadline) throw new Error(`router ${address} not ready`);
    await sleep(200);
  }
}

/** Writers on `keys` until stopped; remembers when each acknowledgement came. */
function writers(client, keys, loops = 16) {
  const acks = [];
  let stop = false;
  const done = Promise.all(Array.from({ length: loops }, async (_, w) => {
    for (let i = 0; !stop && i < 1_000_000; i++) {
      const key = keys[(w + i * loops) % keys.length];
      try {
        await client.put(key, `v${i}`, { timeoutMs: 1_000 });
        acks.push([performance.now(), key]);
      } catch {
        await sleep(5);
      }
    }
  }));
  return {
    firstAckAfter: (t, set) => acks.find(([at, k]) => at > t && set.has(k))?.[0],
    async stop() {
      stop = true;
      await done;
    },
  };
}

const ledBy = (map, id, keys) => new Set(keys.filter((k) => new Ownership(map).ownerOf(hash32(Buffer.from(k))) === id));
const keys = Array.from({ length: 600 }, (_, i) => `fo${i}`);

async function waitInSync(client) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ((await client.admin.clusterMap().catch(() => undefined))?.replicaStates.length === 0) return;
    await sleep(200);
  }
  throw new Error('shard did not catch up within 60 s');
}

const results = {
  date: new Date().toISOString(), commit: benchCommit({ subject: true }),
  machine: { cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAvgStart: loadavg()[0] },
  primary: [], coordinator: [], cost: {},
};

// 1. A primary killed under a lone router, default settings.
{
  log(`1. primary failover: lone router, RF 3, 4 shards, default settings, ${runs} runs`);
  const c = await startCluster({ shards: 4, routerArgs: ['--replication-factor', '3'] });
  const client = await RingKvClient.connect({ routers: [c.routers[0].address], timeoutMs: 3_000 });
  try {
    for (let run = 0; run < runs; run++) {
      const victim = c.nodes[run % c.nodes.length].id;
      const led = ledBy(await client.admin.clusterMap(), victim, keys);
      const w = writers(client, keys);
      await sleep(1_500);
      const t = performance.now();
      await c.kill(victim);
      const deadline = t + 20_000;
      while (w.firstAckAfter(t, led) === undefined && performance.now() < deadline) await sleep(20);
      const at = w.firstAckAfter(t, led);
      await w.stop();
      const ms = at === undefined ? null : Math.round(at - t);
      log(`  run ${run + 1}: ${victim} killed; first acknowledged write to its keys after ${ms ?? 'more than 20000'} ms`);
      results.primary.push({ run: run + 1, victim, ms });
      c.restart(victim);
      await waitInSync(client);
    }
  } finally {
    await client.close();
    await c.stop();
  }
}

// 2. The coordinating router killed (with a shard), two routers on etcd, default settings.
{
  log(`2. coordinator takeover: 2 routers on etcd, RF 3, 4 shards, default settings, ${runs} runs`);
  const c = await startCluster({ shards: 4, routers: 2, etcd: true, routerArgs: ['--replication-factor', '3'] });
  const all = await RingKvClient.connect({ routers: c.routers.map((r) => r.address), timeoutMs: 3_000 });
  try {
    for (let run = 0; run < runs; run++) {
      const st = await all.admin.status({ counts: false });
      const coord = st.coordinator?.id;
      if (!coord) throw new Error('no coordinator');
      const other = c.routers.find((r) => r.id !== coord);
      const viaOther = await RingKvClient.connect({ routers: [other.address], timeoutMs: 2_000 });
      const victim = c.nodes[run % c.nodes.length].id;
      const led = ledBy(await all.admin.clusterMap(), victim, keys);
      const w = writers(all, keys);
      await sleep(1_500);
      const t = performance.now();
      await Promise.all([c.kill(coord), c.kill(victim)]);
      let electedMs = null;
      const deadline = t + 30_000;
      while (performance.now() < deadline) {
        const s = await viaOther.admin.status({ counts: false, timeoutMs: 1_000 }).catch(() => undefined);
        if (s?.coordinator?.id === other.id) {
          electedMs = Math.round(performance.now() - t);
          break;
        }
        await sleep(20);
      }
      while (w.firstAckAfter(t, led) === undefined && performance.now() < deadline) await sleep(20);
      const at = w.firstAckAfter(t, led);
      await w.stop();
      const writeMs = at === undefined ? null : Math.round(at - t);
      log(`  run ${run + 1}: ${coord} + ${victim} killed; ${other.id} coordinating after ${electedMs} ms; first write to ${victim}'s keys after ${writeMs} ms`);
      results.coordinator.push({ run: run + 1, killed: coord, victim, electedMs, firstWriteMs: writeMs });
      c.restart(coord);
      c.restart(victim);
      await waitReady(c.routers.find((r) => r.id === coord).address, 4);
      await waitInSync(viaOther);
      await viaOther.close();
    }
  } finally {
    await all.close();
    await c.stop();
  }
}

// 3. What the control plane costs in steady state: insert through one router, lone vs 2 on etcd.
for (const shape of ['lone', 'etcd', 'lone', 'etcd']) {
  log(`3. steady state (${shape}): insert, 64 in flight, ${seconds} s, through one router`);
  const c = await startCluster({ shards: 3, routers: shape === 'etcd' ? 2 : 1, etcd: shape === 'etcd', routerArgs: ['--replication-factor', '3'] });
  const client = await RingKvClient.connect({ routers: [c.routers[0].address] });
  try {
    const sys = { get: (k) => client.get(k), put: (k, v) => client.put(k, v), close: () => client.close() };
    const pids = [process.pid, ...c.nodes.map((n) => c.pid(n.id)), ...c.routers.map((r) => c.pid(r.id)), ...(c.etcd ? [c.etcd.pid] : [])];
    const cpu0 = pids.map(cpuSeconds);
    const r = await runWorkload(sys, { workload: 'insert', keys: 100_000, value: Buffer.alloc(100, 120), inflight: 64, seconds });
    const cpu = pids.map(cpuSeconds).reduce((a, v, i) => a + v - cpu0[i], 0);
    const ops = r.ops ?? Math.round(r.opsPerSec * seconds);
    const entry = { opsPerSec: Math.round(r.opsPerSec), cpuUsPerOp: Math.round((cpu * 1e6) / ops * 10) / 10, p99Us: r.p99Us, errors: r.errors };
    log(`  ${entry.opsPerSec} ops/s, ${entry.cpuUsPerOp} us CPU per op (all processes), p99 ${r.p99Us} us`);
    (results.cost[shape] ??= []).push(entry);
  } finally {
    await client.close();
    await c.stop();
  }
}
results.machine.loadAvgEnd = loadavg()[0];

const pct = (xs, p) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))] : null;
};
const missing = (xs) => xs.filter((x) => x === null).length;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const prim = results.primary.map((r) => r.ms);
const elected = results.coordinator.map((r) => r.electedMs);
const firstW = results.coordinator.map((r) => r.firstWriteMs);
const lone = results.cost.lone;
const etcd = results.cost.etcd;
results.summary = {
  primaryFailoverMs: { p50: pct(prim, 0.5), max: pct(prim, 1), neverResumed: missing(prim) },
  coordinatorElectedMs: { p50: pct(elected, 0.5), max: pct(elected, 1), never: missing(elected) },
  coordinatorAndShardFirstWriteMs: { p50: pct(firstW, 0.5), max: pct(firstW, 1), neverResumed: missing(firstW) },
  etcdVsLoneOpsRatio: mean(etcd.map((e) => e.opsPerSec)) / mean(lone.map((e) => e.opsPerSec)),
  etcdVsLoneCpuRatio: mean(etcd.map((e) => e.cpuUsPerOp)) / mean(lone.map((e) => e.cpuUsPerOp)),
};
const s = results.summary;
const table = [
  '| measure | runs | p50 | max | target |',
  '|---|---:|---:|---:|---|',
  `| SIGKILL of a primary → first acknowledged write on its keys (lone router, defaults) | ${prim.length} | ${s.primaryFailoverMs.p50} ms | ${s.primaryFailoverMs.max} ms | ≤ 5,000 ms |`,
  `| SIGKILL of the coordinating router → the other router coordinates (etcd, defaults) | ${elected.length} | ${s.coordinatorElectedMs.p50} ms | ${s.coordinatorElectedMs.max} ms | seconds |`,
  `| SIGKILL of the coordinator and a shard together → first acknowledged write on the shard's keys | ${firstW.length} | ${s.coordinatorAndShardFirstWriteMs.p50} ms | ${s.coordinatorAndShardFirstWriteMs.max} ms | seconds |`,
  '',
  '| steady state, insert, 64 in flight, one router | ops/s (mean) | CPU µs/op, all processes (mean) |',
  '|---|---:|---:|',
  `| lone router (file control plane) | ${Math.round(mean(lone.map((e) => e.opsPerSec))).toLocaleString('en-US')} | ${mean(lone.map((e) => e.cpuUsPerOp)).toFixed(1)} |`,
  `| 2 routers on etcd (+ etcd) | ${Math.round(mean(etcd.map((e) => e.opsPerSec))).toLocaleString('en-US')} | ${mean(etcd.map((e) => e.cpuUsPerOp)).toFixed(1)} |`,
  `| etcd / lone | ${s.etcdVsLoneOpsRatio.toFixed(3)} | ${s.etcdVsLoneCpuRatio.toFixed(3)} |`,
].join('\n');
console.log(table);
if (args.json) writeFileSync(args.json, JSON.stringify({ ...results, table }, null, 2));
if (args.md) {
  const m = results.machine;
  const block = [
    '<!-- bench:failover:start -->',
    `Run ${results.date.slice(0, 16).replace('T', ' ')} UTC on commit \`${results.commit}\`, ${m.cores} × ${m.cpuModel}, ${m.memGiB} GiB RAM, Node ${m.node}; `
      + `1-min load average ${m.loadAvgStart.toFixed(2)} at the start, ${m.loadAvgEnd.toFixed(2)} at the end. Replication factor 3, default detection settings `
      + `(heartbeat 500 ms, failure timeout 3 s, election TTL 3 s), 16 writers on 600 keys during the kills.`,
    '',
    '```',
    `pnpm bench:failover -- ${argv.filter((a) => a !== '--').join(' ')}`,
    '```',
    '',
    table,
    '<!-- bench:failover:end -->',
  ].join('\n');
  let text = readFileSync(args.md, 'utf8');
  if (text.includes('<!-- bench:failover:start -->')) text = text.replace(/<!-- bench:failover:start -->[\s\S]*<!-- bench:failover:end -->/, block);
  else text += `\n## Failover and the control plane (issue 14)\n\n${block}\n`;
  writeFileSync(args.md, text);
}
process.exit(0);
