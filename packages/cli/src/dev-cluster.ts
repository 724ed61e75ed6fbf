import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, RingKvError, formatHostPort } from '@ringkv/core';
import { RingKvClient, type ClusterStatus } from '@ringkv/client';
import { layoutRouters, type DevLayout } from './dev-layout.js';
import { etcdHealthy } from './etcd-server.js';

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
  kind: 'shard' | 'router' | 'etcd';
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
/** Runs etcd (not a Node process, so it cannot preload the watchdog) under the watchdog. */
const ETCD_KEEPER = fileURLToPath(new URL('./dev-etcd-process.js', import.meta.url));

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** A grace period raced against exits: it must not keep the process alive once they are done. */
const grace = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * A local cluster as child processes: the storage nodes of a DevLayout, its routers in front
 * of them and, with `etcd` in the layout, one etcd member the routers keep the cluster map in
 * and elect their coordinator through; each logs to DATA/logs/<name>.log. Without etcd the
 * first router coordinates and the others only serve. The first unexpected exit of a child
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

  /** The first router's HOST:PORT. */
  get routerAddress(): string {
    return formatHostPort({ host: this.layout.host, port: this.layout.routerPort });
  }

  /** Every router: its id (also its process and log name) and HOST:PORT, the first first. */
  get routers(): Array<{ id: string; address: string }> {
    return layoutRouters(this.layout).map((r) => ({ id: r.id, address: this.shardAddress(r.port) }));
  }

  /** The client URL of the etcd member, when the layout has one. */
  get etcdEndpoint(): string | undefined {
    const etcd = this.layout.etcd;
    return etcd ? `http://${this.shardAddress(etcd.clientPort)}` : undefined;
  }

  /** HOST:PORT of any of the cluster's processes (they all listen on the layout's host). */
  shardAddress(port: number): string {
    return formatHostPort({ host: this.layout.host, port });
  }

  logFile(name: string): string {
    return join(this.dataDir, 'logs', `${name}.log`);
  }

  /**
   * Starts etcd (if any) and the shards, waits until they answer, then starts the first
   * router, and the others once it answers.
   */
  async start(timeoutMs: number): Promise<void> {
    mkdirSync(join(this.dataDir, 'logs'), { recursive: true });
    const deadline = Date.now() + timeoutMs;
    await this.#checkPortsFree();
    const etcd = this.layout.etcd;
    if (etcd) {
      this.#spawn('etcd', 'etcd', ETCD_KEEPER, [
        '--data-dir', join(this.dataDir, 'etcd'), '--host', this.layout.host,
        '--client-port', String(etcd.clientPort), '--peer-port', String(etcd.peerPort), '--log-file', this.logFile('etcd'),
      ]);
    }
    for (const s of this.layout.shards) {
      this.#spawn(s.id, 'shard', this.#bins.node, ['--id', s.id, '--listen', this.shardAddress(s.port), '--data-dir', join(this.dataDir, s.id)]);
    }
    await Promise.all([
      ...this.layout.shards.map((s) => this.#waitForPort(s.id, s.port, deadline)),
      ...(etcd ? [this.#waitForEtcd(etcd.clientPort, deadline)] : []),
    ]);
    const [first, ...others] = layoutRouters(this.layout);
    this.#spawnRouter(first!, 0);
    if (others.length === 0) return;
    // Without etcd the others learn the first one's map from the shards, so it must exist first.
    await this.#waitAnswers(this.routerAddress, deadline, timeoutMs, () => undefined);
    others.forEach((r, i) => this.#spawnRouter(r, i + 1));
  }

  /**
   * On etcd every router competes for the coordinator's lease. Without etcd the first router
   * coordinates (failover, catch-up, migrations) and the others run --serve-only.
   */
  #spawnRouter(r: { id: string; port: number }, index: number): void {
    const shardFlags = this.layout.shards.flatMap((s) => ['--shard', `${s.id}=${this.shardAddress(s.port)}`]);
    const named = this.layout.etcd !== undefined || layoutRouters(this.layout).length > 1;
    const control = this.etcdEndpoint ? ['--etcd', this.etcdEndpoint] : index > 0 ? ['--serve-only'] : [];
    this.#spawn(r.id, 'router', this.#bins.router, [
      '--listen', this.shardAddress(r.port), '--data-dir', join(this.dataDir, r.id), ...shardFlags,
      '--replication-factor', String(this.replicationFactor), ...(named ? ['--id', r.id] : []), ...control,
    ]);
  }

  /**
   * Polls every router's status until it reaches every shard and, on etcd, a coordinator is
   * elected; returns the first router's.
   */
  async waitReady(timeoutMs: number): Promise<ClusterStatus> {
    const deadline = Date.now() + timeoutMs;
    const ready = (status: ClusterStatus): string | undefined => {
      const down = status.shards.filter((s) => !s.reachable);
      if (status.shards.length === 0) return 'no shards yet';
      if (down.length > 0) return down.map((s) => `${s.id} unreachable${s.error ? ` (${s.error})` : ''}`).join(', ');
      if (this.layout.etcd && !status.coordinator) return `no coordinator elected yet${status.controlPlaneError ? ` (${status.controlPlaneError})` : ''}`;
      return undefined;
    };
    const statuses = await Promise.all(this.routers.map((r) => this.#waitAnswers(r.address, deadline, timeoutMs, ready)));
    return statuses[0]!;
  }

  /** Polls one router's status until `notReady` finds nothing missing (it returns why not, else undefined). */
  async #waitAnswers(address: string, deadline: number, timeoutMs: number, notReady: (s: ClusterStatus) => string | undefined): Promise<ClusterStatus> {
    let client: RingKvClient | undefined;
    let why = 'the router did not answer';
    try {
      while (Date.now() < deadline) {
        this.#throwIfFailed();
        try {
          client ??= await RingKvClient.connect({ routers: [address], connectTimeoutMs: 1_000, timeoutMs: 2_000 });
          const status = await client.admin.status();
          const missing = notReady(status);
          if (missing === undefined) return status;
          why = missing;
        } catch (err) {
          why = `${(err as RingKvError).code ?? 'error'}: ${(err as Error).message}`;
        }
        await sleep(250);
      }
      this.#throwIfFailed();
      throw new RingKvError(ErrorCode.UNAVAILABLE,
        `the cluster was not ready after ${Math.round(timeoutMs / 1000)} s: router ${address}: ${why} (logs in ${join(this.dataDir, 'logs')})`);
    } finally {
      await client?.close();
    }
  }

  /**
   * SIGTERM to every child, SIGKILL to those still running after `graceMs`. The routers go
   * first: they still reach the shards and etcd while they stop (and give up their lease).
   */
  async stop(graceMs = 5_000, log: (line: string) => void = () => {}): Promise<void> {
    this.#stopping = true;
    await this.#stopAll(this.#children.filter((c) => c.kind === 'router'), graceMs, log);
    await this.#stopAll(this.#children.filter((c) => c.kind !== 'router'), graceMs, log);
  }

  async #stopAll(children: Child[], graceMs: number, log: (line: string) => void): Promise<void> {
    const alive = children.filter((c) => isRunning(c.process));
    for (const c of alive) c.process.kill('SIGTERM');
    const all = Promise.all(alive.map((c) => c.exited));
    await Promise.race([all, grace(graceMs)]);
    for (const c of alive) {
      if (isRunning(c.process)) {
        log(`${c.name} did not stop within ${graceMs / 1000} s: killing it`);
        killGroup(c.process);
      }
    }
    await Promise.race([all, grace(2_000)]);
  }

  /** Last resort on process exit: synchronous, so it also works from an 'exit' handler. */
  killNow(): void {
    this.#stopping = true;
    for (const c of this.#children) if (isRunning(c.process)) killGroup(c.process);
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

  #spawn(name: string, kind: Child['kind'], bin: string, args: string[]): void {
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
    this.#children.push({ name, kind, process: proc, exited });
  }

  /** A port already in use would make a child fail, or worse, make us wait on someone else's server. */
  async #checkPortsFree(): Promise<void> {
    const etcd = this.layout.etcd;
    const ports = [
      ...layoutRouters(this.layout).map((r) => r.port), ...this.layout.shards.map((s) => s.port),
      ...(etcd ? [etcd.clientPort, etcd.peerPort] : []),
    ];
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

  async #waitForEtcd(port: number, deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      this.#throwIfFailed();
      if (await etcdHealthy(this.layout.host, port)) return;
      await sleep(100);
    }
    throw new RingKvError(ErrorCode.UNAVAILABLE, `etcd did not become healthy on ${this.etcdEndpoint} in time (see ${this.logFile('etcd')})`);
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

/**
 * SIGKILL to the child's whole process group (it leads one: spawned detached), so a process
 * it started itself (etcd under its keeper) cannot outlive it.
 */
function killGroup(p: ChildProcess): void {
  try {
    process.kill(-p.pid!, 'SIGKILL');
  } catch {
    p.kill('SIGKILL');
  }
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
  // Nor may another cluster's control plane (etcd, its names) reach in: the flags say it all.
  for (const k of [
    'RINGKV_ETCD', 'RINGKV_ETCD_CA', 'RINGKV_ETCD_CERT', 'RINGKV_ETCD_KEY', 'RINGKV_ETCD_USER', 'RINGKV_ETCD_PASSWORD_FILE',
    'RINGKV_CLUSTER_NAME', 'RINGKV_ROUTER_ID', 'RINGKV_ADVERTISE', 'RINGKV_SERVE_ONLY', 'RINGKV_COORDINATOR',
  ]) delete out[k];
  return out;
}
