// A local ringkv cluster for the migration benchmark: storage nodes and one router as separate
// processes on 127.0.0.1, each on a free port with a temp data dir and a log file; everything is
// killed and removed by stop(), on exit, on SIGINT/SIGTERM, and (through a tiny watchdog that
// holds a pipe from us) even if this process is SIGKILLed.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, credentials } from '@grpc/grpc-js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const NODE_BIN = join(REPO_ROOT, 'packages/node/bin/ringkv-node.js');
export const ROUTER_BIN = join(REPO_ROOT, 'packages/router/bin/ringkv-router.js');
const HOST = '127.0.0.1';

const WATCHDOG = `
const pids = new Set(); const dirs = new Set(); let buf = '';
const reap = () => {
  for (const p of pids) { try { process.kill(p, 'SIGKILL'); } catch {} }
  setTimeout(() => { for (const d of dirs) { try { require('node:fs').rmSync(d, { recursive: true, force: true }); } catch {} } process.exit(0); }, 200);
};
process.stdin.on('data', (d) => {
  buf += d; let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    const op = line[0], arg = line.slice(2);
    if (op === '+') pids.add(Number(arg)); else if (op === '-') pids.delete(Number(arg));
    else if (op === 'D') dirs.add(arg); else if (op === 'd') dirs.delete(arg);
  }
});
process.stdin.on('end', reap); process.stdin.on('error', reap);
`;

let watchdog;
function tell(line) {
  if (!watchdog || watchdog.exitCode !== null) {
    watchdog = spawn(process.execPath, ['-e', WATCHDOG], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    watchdog.unref();
    watchdog.stdin.unref?.();
    watchdog.stdin.on('error', () => {});
  }
  if (watchdog.stdin.writable) watchdog.stdin.write(`${line}\n`);
}

const live = new Set();
process.once('exit', () => {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      // gone
    }
  }
});

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** grpc.health.v1.Health/Check with hand-written protobuf (see test/helpers/health.ts). */
export function checkHealth(address, timeoutMs = 1_000) {
  const client = new Client(address, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      () => Buffer.alloc(0),
      (buf) => {
        for (let i = 0; i + 1 < buf.length; i++) if (buf[i] === 0x08) return ['UNKNOWN', 'SERVING', 'NOT_SERVING'][buf[i + 1]] ?? 'UNKNOWN';
        return 'UNKNOWN';
      },
      '',
      { deadline: Date.now() + timeoutMs },
      (err, value) => {
        client.close();
        if (err) reject(err);
        else resolve(value);
      },
    );
  });
}

class Proc {
  constructor(name, bin, dir, logPath) {
    this.name = name;
    this.bin = bin;
    this.dataDir = join(dir, name);
    this.logPath = logPath;
    this.port = 0;
    this.child = undefined;
    mkdirSync(this.dataDir, { recursive: true });
  }

  get address() {
    return `${HOST}:${this.port}`;
  }

  log() {
    return existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
  }

  async start(args, { logLevel, startTimeoutMs = 30_000 }) {
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      try {
        await this.#spawn(args(this), logLevel, startTimeoutMs);
        return;
      } catch (err) {
        if (!/EADDRINUSE|cannot listen/i.test(this.log().slice(-2000)) || attempt >= 3) throw err;
      }
    }
  }

  async #spawn(args, logLevel, startTimeoutMs) {
    const fd = openSync(this.logPath, 'a');
    let child;
    try {
      child = spawn(process.execPath, [this.bin, ...args], {
        cwd: REPO_ROOT,
        stdio: ['ignore', fd, fd],
        env: { ...process.env, RINGKV_LOG_LEVEL: logLevel },
      });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    live.add(child);
    tell(`+ ${child.pid}`);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        tell(`- ${child.pid}`);
        resolve({ code, signal });
      });
    });
    let exit;
    void this.exited.then((e) => (exit = e));
    const deadline = Date.now() + startTimeoutMs;
    let last = 'not polled';
    while (Date.now() < deadline) {
      if (exit) throw new Error(`${this.name} exited during start-up (${JSON.stringify(exit)})\n${this.log().slice(-3000)}`);
      try {
        if ((await checkHealth(this.address)) === 'SERVING') return;
      } catch (err) {
        last = err.message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    await this.exited;
    throw new Error(`${this.name} not healthy within ${startTimeoutMs} ms: ${last}\n${this.log().slice(-3000)}`);
  }

  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/**
 * Starts `shards` storage nodes (shard-1..N, in the router's bootstrap map), `spare` more nodes
 * that are running but not members (shard-N+1..., to be added), and one router.
 */
export async function startCluster({ shards = 3, spare = 0, routerArgs = [], nodeArgs = [], logLevel = 'info', keep = false } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'ringkv-bench-'));
  if (!keep) tell(`D ${root}`);
  const nodes = Array.from({ length: shards + spare }, (_, i) => new Proc(`shard-${i + 1}`, NODE_BIN, root, join(root, `shard-${i + 1}.log`)));
  const router = new Proc('router', ROUTER_BIN, root, join(root, 'router.log'));
  const all = [...nodes, router];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(all.map((p) => p.stop()));
    if (!keep) {
      rmSync(root, { recursive: true, force: true });
      tell(`d ${root}`);
    }
  };
  const onSignal = (sig) => {
    process.stderr.write(`\n${sig}: stopping the cluster\n`);
    stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await Promise.all(nodes.map((n) => n.start((p) => ['--id', p.name, '--listen', p.address, '--data-dir', p.dataDir, ...nodeArgs], { logLevel })));
    const members = nodes.slice(0, shards);
    await router.start((p) => ['--listen', p.address, '--data-dir', p.dataDir, ...members.flatMap((n) => ['--shard', `${n.name}=${n.address}`]), ...routerArgs], { logLevel });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    root,
    router,
    routerAddress: router.address,
    nodes,
    members: nodes.slice(0, shards),
    spares: nodes.slice(shards),
    /** The router's JSON log lines (pino), parsed. */
    routerLogLines() {
      return router.log().split('\n').filter(Boolean).flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return [];
        }
      });
    },
    stop,
  };
}
