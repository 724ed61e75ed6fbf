import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { ErrorCode, RingKvError, formatHostPort } from '@ringkv/core';
import { RingKvClient, type ClusterStatus } from '@ringkv/client';
import type { DevLayout } from './dev-layout.js';

export interface DevBins {
  node: string;
  router: string;
}

/** How a child ended. */
export interface ChildExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<void>;
}

/** The bin scripts of @ringkv/node and @ringkv/router, found the way Node finds the packages. */
export function resolveBins(): DevBins {
  const require = createRequire(import.meta.url);
  const find = (pkg: string, bin: string): string => {
    let main: string;
    try {
      main = require.resolve(pkg);
    } catch (err) {
      throw new RingKvError(ErrorCode.NOT_FOUND, `cannot find ${pkg} (is it installed and built? run "pnpm build"): ${(err as Error).message}`);
    }
    const path = resolve(dirname(main), '..', 'bin', bin);
    if (!existsSync(path)) throw new RingKvError(ErrorCode.NOT_FOUND, `${pkg} has no ${path}`);
    return path;
  };
  return { node: find('@ringkv/node', 'ringkv-node.js'), router: find('@ringkv/router', 'ringkv-router.js') };
}

/** Preloaded into every child: it ends itself if this process dies without stopping it. */
const WATCHDOG = new URL('./parent-watchdog.js', import.meta.url).href;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** A grace period raced against exits: it must not keep the process alive once they are done. */
const grace = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * A local cluster as child processes: the storage nodes of a DevLayout and one router in
 * front of them (the replication coordinator), each logging to DATA/logs/<name>.log. The first unexpected exit of a child
 * is `failed`; `stop()` ends them all (SIGTERM, then SIGKILL after the grace period).
 */
export class DevCluster {
  readonly dataDir: string;
  readonly layout: DevLayout;
  readonly #bins: DevBins;
  readonly #children: Child[] = [];
  #stopping = false;
  #failure: ChildExit | undefined;
  #onFailure!: (exit: ChildExit) => void;
  /** Resolves with the first child that exits while the cluster is not stopping. */
  readonly failed: Promise<ChildExit>;

  /** The replication factor a new cluster is bootstrapped with (an existing one keeps its own). */
  readonly replicationFactor: number;

  constructor(dataDir: string, layout: DevLayout, bins: DevBins, options: { replicationFactor?: number } = {}) {
    this.dataDir = dataDir;
    this.layout = layout;
    this.#bins = bins;
    this.replicationFactor = options.replicationFactor ?? 1;
    this.failed = new Promise((r) => (this.#onFailure = r));
  }

  /** The first child that exited while the cluster was not stopping, if any. */
  get failure(): ChildExit | undefined {
    return this.#failure;
  }

  get routerAddress(): string {
    return formatHostPort({ host: this.layout.host, port: this.layout.routerPort });
  }

  shardAddress(port: number): string {
    return formatHostPort({ host: this.layout.host, port });
  }

  logFile(name: string): string {
    return join(this.dataDir, 'logs', `${name}.log`);
  }

  /** Starts the shards, waits until they accept connections, then starts the router. */
  async start(timeoutMs: number): Promise<void> {
    mkdirSync(join(this.dataDir, 'logs'), { recursive: true });
    const deadline = Date.now() + timeoutMs;
    await this.#checkPortsFree();
    for (const s of this.layout.shards) {
      this.#spawn(s.id, this.#bins.node, ['--id', s.id, '--listen', this.shardAddress(s.port), '--data-dir', join(this.dataDir, s.id)]);
    }
    await Promise.all(this.layout.shards.map((s) => this.#waitForPort(s.id, s.port, deadline)));
    const shardFlags = this.layout.shards.flatMap((s) => ['--shard', `${s.id}=${this.shardAddress(s.port)}`]);
    // The one router coordinates replication: it fails the arcs of a stopped shard over to
    // their other replicas and catches the shard up when it is back.
    this.#spawn('router', this.#bins.router, [
      '--listen', this.routerAddress, '--data-dir', join(this.dataDir, 'router'), ...shardFlags,
      '--replication-factor', String(this.replicationFactor),
    ]);
  }

  /** Polls the router's status until every shard is reachable. */
  async waitReady(timeoutMs: number): Promise<ClusterStatus> {
    const deadline = Date.now() + timeoutMs;
    let client: RingKvClient | undefined;
    let why = 'the router did not answer';
    try {
      while (Date.now() < deadline) {
        this.#throwIfFailed();
        try {
          client ??= await RingKvClient.connect({ routers: [this.routerAddress], connectTimeoutMs: 1_000, timeoutMs: 2_000 });
          const status = await client.admin.status();
          const down = status.shards.filter((s) => !s.reachable);
          if (status.shards.length > 0 && down.length === 0) return status;
          why = down.map((s) => `${s.id} unreachable${s.error ? ` (${s.error})` : ''}`).join(', ') || 'no shards yet';
        } catch (err) {
          why = `${(err as RingKvError).code ?? 'error'}: ${(err as Error).message}`;
        }
        await sleep(250);
      }
      this.#throwIfFailed();
      throw new RingKvError(ErrorCode.UNAVAILABLE, `the cluster was not ready after ${Math.round(timeoutMs / 1000)} s: ${why} (logs in ${join(this.dataDir, 'logs')})`);
    } finally {
      await client?.close();
    }
  }

  /** SIGTERM to every child, SIGKILL to those still running after `graceMs`. */
  async stop(graceMs = 5_000, log: (line: string) => void = () => {}): Promise<void> {
    this.#stopping = true;
    const alive = this.#children.filter((c) => isRunning(c.process));
    for (const c of alive) c.process.kill('SIGTERM');
    const all = Promise.all(alive.map((c) => c.exited));
    await Promise.race([all, grace(graceMs)]);
    for (const c of alive) {
      if (isRunning(c.process)) {
        log(`${c.name} did not stop within ${graceMs / 1000} s: killing it`);
        c.process.kill('SIGKILL');
      }
    }
    await Promise.race([all, grace(2_000)]);
  }

  /** Last resort on process exit: synchronous, so it also works from an 'exit' handler. */
  killNow(): void {
    this.#stopping = true;
    for (const c of this.#children) if (isRunning(c.process)) c.process.kill('SIGKILL');
  }

  /** The end of a child's log, to show why it stopped. */
  logTail(name: string, lines = 15): string {
    try {
      const text = readFileSync(this.logFile(name), 'utf8').trimEnd().split('\n');
      return text.slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  #spawn(name: string, bin: string, args: string[]): void {
    const fd = openSync(this.logFile(name), 'a');
    let proc: ChildProcess;
    try {
      writeSync(fd, `\n--- ${new Date().toISOString()} ringkv dev starts ${name}: ${args.join(' ')}\n`);
      proc = spawn(process.execPath, ['--import', WATCHDOG, bin, ...args], {
        stdio: ['ignore', fd, fd],
        // Own process group: a terminal's Ctrl-C reaches only us, and we stop the children in order.
        detached: true,
        env: { ...plainEnv(process.env), RINGKV_PARENT_PID: String(process.pid) },
      });
    } finally {
      closeSync(fd);
    }
    const exited = new Promise<void>((resolveExit) => {
      proc.once('exit', (code, signal) => {
        resolveExit();
        if (!this.#stopping && !this.#failure) {
          this.#failure = { name, code, signal };
          this.#onFailure(this.#failure);
        }
      });
    });
    proc.once('error', (err) => {
      // Spawning itself failed (no 'exit' follows): report it like an exit.
      if (!this.#stopping && !this.#failure) {
        this.#failure = { name, code: null, signal: null };
        this.#onFailure(this.#failure);
      }
      writeSafe(this.logFile(name), `spawn failed: ${err.message}\n`);
    });
    this.#children.push({ name, process: proc, exited });
  }

  /** A port already in use would make a child fail, or worse, make us wait on someone else's server. */
  async #checkPortsFree(): Promise<void> {
    const ports = [this.layout.routerPort, ...this.layout.shards.map((s) => s.port)];
    const busy = (await Promise.all(ports.map(async (p) => ((await canConnect(this.layout.host, p)) ? p : undefined)))).filter(
      (p) => p !== undefined,
    );
    if (busy.length > 0) {
      throw new RingKvError(
        ErrorCode.UNAVAILABLE,
        `port${busy.length > 1 ? 's' : ''} ${busy.join(', ')} on ${this.layout.host} already in use: stop what listens there, or use another --port with a new --data-dir`,
      );
    }
  }

  async #waitForPort(name: string, port: number, deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      this.#throwIfFailed();
      if (await canConnect(this.layout.host, port)) return;
      await sleep(100);
    }
    throw new RingKvError(ErrorCode.UNAVAILABLE, `${name} did not listen on ${this.shardAddress(port)} in time (see ${this.logFile(name)})`);
  }

  #throwIfFailed(): void {
    if (this.#stopping) throw new RingKvError(ErrorCode.CANCELLED, 'the cluster is stopping');
    const f = this.#failure;
    if (f) throw new RingKvError(ErrorCode.UNAVAILABLE, `${describeExit(f)} (see ${this.logFile(f.name)})`);
  }
}

export function describeExit(e: ChildExit): string {
  const how = e.signal ? `was killed by ${e.signal}` : e.code === null ? 'could not be started' : `exited with code ${e.code}`;
  return `${e.name} ${how}`;
}

function isRunning(p: ChildProcess): boolean {
  return p.pid !== undefined && p.exitCode === null && p.signalCode === null;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

function writeSafe(path: string, text: string): void {
  try {
    const fd = openSync(path, 'a');
    writeSync(fd, text);
    closeSync(fd);
  } catch {
    // Nothing more to do: the error is reported on the terminal anyway.
  }
}

/**
 * `ringkv dev` runs a plaintext, open cluster: TLS and token settings meant for another
 * cluster (in the caller's environment) must not switch its processes over.
 */
function plainEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of ['RINGKV_TLS_CERT', 'RINGKV_TLS_KEY', 'RINGKV_TLS_CA', 'RINGKV_TOKENS_FILE']) delete out[k];
  return out;
}
