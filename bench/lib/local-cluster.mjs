// Starts a throwaway ringkv cluster (storage nodes + one router, separate processes on
// 127.0.0.1, free ports, temp data dirs) for benchmarks, and a redis-server to compare with.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RingKvClient } from '@ringkv/client';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE_BIN = join(ROOT, 'packages/node/bin/ringkv-node.js');
const ROUTER_BIN = join(ROOT, 'packages/router/bin/ringkv-router.js');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const children = new Set();
const cleanup = () => { for (const c of children) c.kill('SIGKILL'); };
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

function start(bin, args, logPath) {
  const log = openSync(logPath, 'a');
  // RINGKV_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles every process.
  const nodeArgs = (process.env.RINGKV_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { stdio: ['ignore', log, log], env: { ...process.env, RINGKV_LOG_LEVEL: 'warn' } });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

/**
 * A cluster of `shards` storage nodes and one router. On a shared machine a free port may be
 * taken before our process binds it: a cluster whose process exits while starting is stopped
 * and started again on new ports (3 attempts).
 */
export async function startCluster(options = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce(options);
    } catch (err) {
      if (!err.portRace || attempt >= 3) throw err;
      console.error(`[bench] ${err.message}; starting the cluster again on new ports`);
    }
  }
}

async function startClusterOnce({ shards = 3, routerArgs = [] }) {
  const dir = mkdtempSync(join(tmpdir(), 'ringkv-bench-'));
  const nodes = [];
  for (let i = 1; i <= shards; i++) {
    const id = `shard-${i}`;
    const address = `127.0.0.1:${await freePort()}`;
    const child = start(NODE_BIN, ['--id', id, '--listen', address, '--data-dir', join(dir, id)], join(dir, `${id}.log`));
    nodes.push({ id, address, child });
  }
  const router = `127.0.0.1:${await freePort()}`;
  const routerChild = start(ROUTER_BIN, ['--listen', router, '--data-dir', join(dir, 'router'),
    ...nodes.flatMap((n) => ['--shard', `${n.id}=${n.address}`]), ...routerArgs], join(dir, 'router.log'));
  const deadline = Date.now() + 30_000;
  const all = [routerChild, ...nodes.map((n) => n.child)];
  for (;;) {
    const exited = all.find((c) => c.exitCode !== null || c.signalCode !== null);
    if (exited) {
      for (const c of all) c.kill('SIGKILL');
      const logs = readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
      rmSync(dir, { recursive: true, force: true });
      const err = new Error(`a cluster process exited while starting (${/EADDRINUSE/.test(logs) ? 'port taken' : logs.trim().split('\n').pop()})`);
      err.portRace = /EADDRINUSE/.test(logs);
      throw err;
    }
    try {
      const c = await RingKvClient.connect({ routers: [router], connectTimeoutMs: 1000 });
      const st = await c.admin.status();
      // A write through the router also makes sure every shard has installed the map.
      const ready = st.shards.every((s) => s.reachable)
        && (await Promise.all(st.shards.map((_, i) => c.put(`__bench_probe_${i}`, 'x').then(() => true, () => false)))).every(Boolean);
      await c.close();
      if (ready) break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`cluster did not start: ${err.message} (logs in ${dir})`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    dir, router, nodes, routerChild,
    rssOf(child) {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : 0;
    },
    async stop() {
      await stopChild(routerChild);
      await Promise.all(nodes.map((n) => stopChild(n.child)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * redis-server with AOF on and fsync every second (Redis's durable default); with
 * `replicaOf` (a port), a replica of the redis-server there.
 */
export async function startRedis(options = {}) {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('redis-server is not installed: run `apt-get install -y redis-server` (Debian) and try again');
  }
  // A free port may be taken before redis-server binds it (a shared machine): try new ports.
  for (let attempt = 1; ; attempt++) {
    const started = await startRedisOnce(options);
    if (started || attempt >= 3) return started ?? Promise.reject(new Error('redis-server did not start (port taken 3 times)'));
    console.error('[bench] redis-server could not bind its port; starting it again on another');
  }
}

/** The started redis-server, or undefined if it exited before answering (its port was taken). */
async function startRedisOnce({ replicaOf }) {
  const dir = mkdtempSync(join(tmpdir(), 'ringkv-bench-redis-'));
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes',
    '--appendfsync', 'everysec', '--save', '', '--protected-mode', 'no',
    ...(replicaOf ? ['--replicaof', '127.0.0.1', String(replicaOf)] : [])], { stdio: ['ignore', openSync(join(dir, 'redis.log'), 'a'), 'inherit'] });
  children.add(redis);
  redis.on('exit', () => children.delete(redis));
  const deadline = Date.now() + 10_000;
  const { default: Redis } = await import('ioredis');
  for (;;) {
    if (redis.exitCode !== null || redis.signalCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      return undefined;
    }
    const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await r.connect();
      // Ours, not another server that took the port.
      const pid = Number(/process_id:(\d+)/.exec(await r.info('server'))?.[1]);
      r.disconnect();
      if (pid !== redis.pid) {
        redis.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        return undefined;
      }
      break;
    } catch {
      r.disconnect();
      if (Date.now() > deadline) throw new Error('redis-server did not start');
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  return {
    port, child: redis,
    async stop() {
      await stopChild(redis);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
