// Client CPU per operation of the SDK's single-key path (put, get), over a fixed count of
// operations with a fixed number in flight. Two modes:
// - fake: an in-process RouterTransport that answers every batch on the next macrotask, so
//   only the SDK's own work (call set-up, batching, retries, settling) is counted;
// - cluster: a real router and one shard (separate processes, bench/lib/local-cluster.mjs);
//   the figure is this process's CPU (SDK plus grpc-js), the others are shown beside it.
//
//   pnpm build && node bench/micro-client/client-cpu.mjs [fake|cluster|both] [--ops N] [--inflight N] [--runs N]
//
// CPU is process.cpuUsage() (user+sys) of this process over the timed ops, and
// /proc/PID/stat of the children in cluster mode. Prints one JSON line per run and a summary.
import { readFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { RingKvClient } from '@ringkv/client';
import { resolveClientOptions } from '@ringkv/client/internal';

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const mode = args.find((a) => !a.startsWith('--') && Number.isNaN(Number(a))) ?? 'both';
const OPS = flag('ops', 200_000);
const INFLIGHT = flag('inflight', 64);
const RUNS = flag('runs', 3);
const KEYS = 100_000;
const VALUE = Buffer.alloc(100, 0x61);

/** Answers every batch one macrotask later: a put gets a version, a get the stored value. */
class FakeTransport {
  address = '127.0.0.1:1';
  version = 0n;
  async connect() {}
  execute(ops) {
    return new Promise((resolve) => setImmediate(() => resolve(ops.map((op) => (op.get
      ? { found: true, value: VALUE, version: '1', expiresAtMs: '0', errorCode: '', errorMessage: '' }
      : { found: false, version: String(++this.version), errorCode: '', errorMessage: '' })))));
  }
  checkHealth() { return Promise.resolve('SERVING'); }
  watchHealth() { return () => undefined; }
  close() {}
}

/** The client over the fake transport. The constructor is private in TypeScript only: benchmark use. */
function fakeClient() {
  return new RingKvClient(resolveClientOptions({ routers: ['127.0.0.1:1'] }), [new FakeTransport()]);
}

function procCpuMs(pid) {
  // utime and stime are fields 14 and 15, in clock ticks (100 per second on Linux).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function drive(client, op, count) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const key = `user${i % KEYS}`;
      if (op === 'put') await client.put(key, VALUE);
      else await client.get(key);
    }
  };
  await Promise.all(Array.from({ length: INFLIGHT }, worker));
}

async function measure(client, op, children) {
  await drive(client, op, Math.min(20_000, OPS)); // warm-up (JIT, connections)
  const c0 = process.cpuUsage();
  const k0 = children.map((c) => procCpuMs(c.pid));
  const t0 = process.hrtime.bigint();
  await drive(client, op, OPS);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  const clientUs = (c.user + c.system) / OPS;
  const others = children.map((ch, i) => ((procCpuMs(ch.pid) - k0[i]) * 1000) / OPS);
  return { op, clientUsPerOp: +clientUs.toFixed(2), othersUsPerOp: others.map((x) => +x.toFixed(2)), opsPerSec: Math.round(OPS / (wallMs / 1000)) };
}

async function main() {
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(JSON.stringify({ mode, ops: OPS, inflight: INFLIGHT, runs: RUNS, loadavg: load(), uptimeS: Math.round(uptime()) }));
  const results = [];
  if (mode === 'fake' || mode === 'both') {
    for (let r = 0; r < RUNS; r++) {
      const client = fakeClient();
      for (const op of ['put', 'get']) {
        const res = { mode: 'fake', run: r + 1, ...(await measure(client, op, [])) };
        console.log(JSON.stringify(res));
        results.push(res);
      }
      await client.close();
    }
  }
  if (mode === 'cluster' || mode === 'both') {
    const { startCluster } = await import('../lib/local-cluster.mjs');
    const cluster = await startCluster({ shards: 1 });
    try {
      const client = await RingKvClient.connect({ routers: [cluster.router] });
      const children = [cluster.routerChild, ...cluster.nodes.map((n) => n.child)];
      for (let r = 0; r < RUNS; r++) {
        for (const op of ['put', 'get']) {
          const res = { mode: 'cluster', run: r + 1, ...(await measure(client, op, children)), others: ['router', 'shard-1'] };
          console.log(JSON.stringify(res));
          results.push(res);
        }
      }
      await client.close();
    } finally {
      await cluster.stop();
    }
  }
  const summary = {};
  for (const r of results) {
    const k = `${r.mode} ${r.op}`;
    (summary[k] ??= []).push(r.clientUsPerOp);
  }
  for (const [k, v] of Object.entries(summary)) {
    const sorted = [...v].sort((a, b) => a - b);
    console.log(`${k}: client CPU µs/op median ${sorted[Math.floor(sorted.length / 2)]} (runs: ${v.join(', ')})`);
  }
  console.log(`loadavg after: ${load()}`);
}

await main();
