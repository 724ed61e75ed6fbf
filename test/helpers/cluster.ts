import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { freePort } from './free-port.js';
import { checkHealth } from './health.js';
import { track, trackDir, untrackDir } from './reaper.js';
import { EtcdServer } from '@ringkv/cli/internal';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const NODE_BIN = join(REPO_ROOT, 'packages/node/bin/ringkv-node.js');
export const ROUTER_BIN = join(REPO_ROOT, 'packages/router/bin/ringkv-router.js');
export const CLI_BIN = join(REPO_ROOT, 'packages/cli/bin/ringkv.js');

const HOST = '127.0.0.1';

export interface ClusterOptions {
  /** Storage nodes, named shard-1..shard-N. @default 3 */
  shards?: number;
  /** Extra flags for every storage node. */
  nodeArgs?: string[];
  /** Extra flags for the router(s). */
  routerArgs?: string[];
  /**
   * Routers, named `router`, `router-2`, ...: each has its own data dir and the same `--shard`
   * flags. Without etcd the first bootstraps the cluster and coordinates, the others recover
   * its map from the shards and run with --serve-only; with `etcd` they all join the map in
   * etcd and elect a coordinator.
   * @default 1
   */
  routers?: number;
  /** Starts one etcd member (from PATH) and runs every router with --etcd. @default false */
  etcd?: boolean;
  /** With `etcd`: how many etcd members (routers get every member's URL). @default 1 */
  etcdMembers?: number;
  /** With `etcd`: raft heartbeat and election timeout of each member, ms. @default 50, 500 */
  etcdTiming?: { heartbeatMs: number; electionMs: number };
  /** Extra flags for routers 2..n only. */
  otherRouterArgs?: string[];
  /** How long one process may take to become healthy. @default 20_000 */
  startTimeoutMs?: number;
  /** How the harness's health checks connect, for processes started with --tls-*. @default plaintext */
  healthCredentials?: ChannelCredentials;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One child process of the cluster; it keeps its port and data dir across restarts. */
interface Member {
  name: string;
  kind: 'node' | 'router';
  port: number;
  dataDir: string;
  logPath: string;
  args: () => string[];
  child: ChildProcess | undefined;
  exited: Promise<ExitInfo> | undefined;
  /** Set while the harness itself is stopping the process. */
  stopping: boolean;
}

/**
 * A ringkv cluster of separate processes on 127.0.0.1: N storage nodes (`shard-1`...) and one
 * router (`router`; more with `routers`: `router-2` ...), each on a free port with its own temp data dir and a log file holding its
 * stdout and stderr. Children are killed with the test process, whatever kills it.
 */
export class ProcessCluster {
  readonly root: string;
  readonly shardIds: string[];
  readonly #members = new Map<string, Member>();
  readonly #startTimeoutMs: number;
  readonly #healthCredentials: ChannelCredentials | undefined;
  #etcd: EtcdServer | undefined;
  #etcdMembers: EtcdServer[] = [];
  #stopped = false;

  private constructor(root: string, shardIds: string[], startTimeoutMs: number, healthCredentials?: ChannelCredentials) {
    this.root = root;
    this.shardIds = shardIds;
    this.#startTimeoutMs = startTimeoutMs;
    this.#healthCredentials = healthCredentials;
  }

  static async start(options: ClusterOptions = {}): Promise<ProcessCluster> {
    const n = options.shards ?? 3;
    const root = await mkdtemp(join(tmpdir(), 'ringkv-test-'));
    if (!process.env.RINGKV_TEST_KEEP) trackDir(root);
    const ids = Array.from({ length: n }, (_, i) => `shard-${i + 1}`);
    const cluster = new ProcessCluster(root, ids, options.startTimeoutMs ?? 20_000, options.healthCredentials);
    try {
      const etcdArgs: string[] = [];
      if (options.etcd) {
        const members: EtcdServer[] = [];
        for (let i = 1; i <= (options.etcdMembers ?? 1); i++) {
          members.push(new EtcdServer({
            dataDir: join(root, i === 1 ? 'etcd' : `etcd-${i}`), clientPort: await freePort(), peerPort: await freePort(), name: `etcd-${i}`,
            ...options.etcdTiming,
          }));
        }
        const initialCluster = members.map((e) => `${e.options.name}=${e.peerUrl}`).join(',');
        for (const e of members) e.options.initialCluster = initialCluster;
        cluster.#etcdMembers = members;
        cluster.#etcd = members[0];
        // Together: a member of several answers healthy only once they have elected a leader.
        await Promise.all(members.map(async (e) => {
          await e.start();
          track(e.child!);
        }));
        etcdArgs.push('--etcd', members.map((e) => e.endpoint).join(','));
      }
      for (const id of ids) {
        const m = cluster.#define(id, 'node', () => ['--id', id, '--listen', `${HOST}:${m.port}`, '--data-dir', m.dataDir, ...(options.nodeArgs ?? [])]);
      }
      await Promise.all(ids.map((id) => cluster.#spawnFresh(id)));
      const router = cluster.#define('router', 'router', () => [
        '--listen', `${HOST}:${router.port}`,
        '--data-dir', router.dataDir,
        ...ids.flatMap((id) => ['--shard', `${id}=${cluster.address(id)}`]),
        '--id', 'router', ...etcdArgs,
        ...(options.routerArgs ?? []),
      ]);
      await cluster.#spawnFresh('router');
      for (let i = 2; i <= (options.routers ?? 1); i++) {
        const name = `router-${i}`;
        const r = cluster.#define(name, 'router', () => [
          '--listen', `${HOST}:${r.port}`,
          '--data-dir', r.dataDir,
          ...ids.flatMap((id) => ['--shard', `${id}=${cluster.address(id)}`]),
          '--id', name, ...(options.etcd ? etcdArgs : ['--serve-only']),
          ...(options.routerArgs ?? []), ...(options.otherRouterArgs ?? []),
        ]);
        await cluster.#spawnFresh(name);
      }
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** The etcd member, when started with `etcd`. */
  get etcd(): EtcdServer {
    if (!this.#etcd) throw new Error('this cluster runs without etcd');
    return this.#etcd;
  }

  /** Every etcd member (one unless started with `etcdMembers`). */
  get etcdMembers(): readonly EtcdServer[] {
    return this.#etcdMembers;
  }

  /** The router's HOST:PORT. */
  get routerAddress(): string {
    return this.address('router');
  }

  /** Every router's HOST:PORT, `router` first. */
  get routerAddresses(): string[] {
    return this.names.filter((n) => this.#member(n).kind === 'router').map((n) => this.address(n));
  }

  /** Every process name: the shard ids and `router` (then `router-2` ...). */
  get names(): string[] {
    return [...this.#members.keys()];
  }

  address(name: string): string {
    return `${HOST}:${this.#member(name).port}`;
  }

  dataDir(name: string): string {
    return this.#member(name).dataDir;
  }

  logPath(name: string): string {
    return this.#member(name).logPath;
  }

  pid(name: string): number | undefined {
    const m = this.#member(name);
    return m.child && m.child.exitCode === null && m.child.signalCode === null ? m.child.pid : undefined;
  }

  isRunning(name: string): boolean {
    return this.pid(name) !== undefined;
  }

  /** Everything the process has logged (all its runs). */
  log(name: string): string {
    const path = this.#member(name).logPath;
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }

  /** The last lines of the process's log. */
  logTail(name: string, lines = 30): string {
    return this.log(name).split('\n').slice(-lines - 1).join('\n');
  }

  /** Every process's log tail, for a failure report. */
  allLogTails(lines = 30): string {
    return this.names.map((n) => `----- ${n} (${this.logPath(n)}) -----\n${this.logTail(n, lines)}`).join('\n');
  }

  /**
   * Sends `signal` and waits for the process to exit. A SIGTERM that has not finished after
   * `graceMs` is an error (the process is then SIGKILLed so nothing leaks).
   */
  async kill(name: string, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL', graceMs = 15_000): Promise<ExitInfo> {
    const m = this.#member(name);
    if (!m.child || !m.exited) throw new Error(`${name} was never started`);
    if (!this.isRunning(name)) return m.exited;
    m.stopping = true;
    m.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
    const result = await Promise.race([m.exited, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      m.child.kill('SIGKILL');
      await m.exited;
      throw new Error(`${name} did not exit within ${graceMs} ms of ${signal}\n${this.logTail(name)}`);
    }
    return result;
  }

  /** Starts an etcd member (the first by default) again, same data dir and port, after a kill. */
  async restartEtcd(member: EtcdServer = this.etcd): Promise<void> {
    await member.start();
    track(member.child!);
  }

  /** Sends a signal that does not end the process (SIGSTOP pauses it, SIGCONT resumes it). */
  signal(name: string, signal: 'SIGSTOP' | 'SIGCONT'): void {
    const pid = this.pid(name);
    if (pid === undefined) throw new Error(`${name} is not running`);
    process.kill(pid, signal);
  }

  /** The command-line flags the process is started with. */
  argsOf(name: string): string[] {
    return this.#member(name).args();
  }

  /**
   * Starts a stopped process again on the same port and data dir, and waits until healthy.
   * `args` replaces its flags for this start only (see `argsOf`).
   */
  async restart(name: string, options: { args?: string[] } = {}): Promise<void> {
    if (this.isRunning(name)) throw new Error(`${name} is still running; kill it first`);
    await this.#spawn(this.#member(name), options.args);
  }

  /** Kills every process and removes the temp dirs. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all(
      [...this.#members.values()].map(async (m) => {
        if (m.child && m.exited && m.child.exitCode === null && m.child.signalCode === null) {
          m.stopping = true;
          m.child.kill('SIGCONT');
          m.child.kill('SIGKILL');
          await m.exited;
        }
      }),
    );
    await Promise.all(this.#etcdMembers.map((e) => e.kill()));
    if (!process.env.RINGKV_TEST_KEEP) {
      rmSync(this.root, { recursive: true, force: true });
      untrackDir(this.root);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #member(name: string): Member {
    const m = this.#members.get(name);
    if (!m) throw new Error(`no process named ${name} (have ${this.names.join(', ')})`);
    return m;
  }

  #define(name: string, kind: Member['kind'], args: () => string[]): Member {
    const dataDir = join(this.root, name);
    mkdirSync(dataDir, { recursive: true });
    const m: Member = {
      name, kind, port: 0, dataDir, logPath: join(this.root, `${name}.log`), args, child: undefined, exited: undefined, stopping: false,
    };
    this.#members.set(name, m);
    return m;
  }

  /** First start: pick a free port, and pick again if another process took it meanwhile. */
  async #spawnFresh(name: string): Promise<void> {
    const m = this.#member(name);
    for (let attempt = 1; ; attempt++) {
      m.port = await freePort();
      try {
        await this.#spawn(m);
        return;
      } catch (err) {
        const lost = /EADDRINUSE|cannot listen/i.test(this.logTail(name, 5));
        if (!lost || attempt >= 3) throw err;
      }
    }
  }

  async #spawn(m: Member, args = m.args()): Promise<void> {
    if (this.#stopped) throw new Error('cluster stopped');
    const bin = m.kind === 'node' ? NODE_BIN : ROUTER_BIN;
    const fd = openSync(m.logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [bin, ...args], {
        cwd: REPO_ROOT,
        stdio: ['ignore', fd, fd],
        env: { ...process.env, RINGKV_LOG_LEVEL: process.env.RINGKV_LOG_LEVEL ?? 'info' },
      });
    } finally {
      closeSync(fd);
    }
    track(child);
    m.child = child;
    m.stopping = false;
    m.exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        // A crash, or a signal from outside the test: say so at once, it explains what fails next.
        if (!m.stopping && !this.#stopped) {
          process.stderr.write(
            `\n[cluster harness] ${m.name} (pid ${child.pid}) exited unexpectedly: code ${code}, signal ${signal}\n${this.logTail(m.name, 10)}\n`,
          );
        }
        resolve({ code, signal });
      });
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    await this.#waitHealthy(m, child);
  }

  async #waitHealthy(m: Member, child: ChildProcess): Promise<void> {
    const address = `${HOST}:${m.port}`;
    const deadline = Date.now() + this.#startTimeoutMs;
    let exit: ExitInfo | undefined;
    void m.exited!.then((e) => (exit = e));
    let last = 'not polled yet';
    while (Date.now() < deadline) {
      if (exit) {
        throw new Error(`${m.name} exited during start-up (code ${exit.code}, signal ${exit.signal})\n${this.logTail(m.name)}`);
      }
      try {
        const s = await checkHealth(address, '', 1_000, this.#healthCredentials);
        if (s === 'SERVING') return;
        last = `health ${s}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    m.stopping = true;
    child.kill('SIGKILL');
    await m.exited;
    throw new Error(
      `${m.name} (${address}) not healthy within ${this.#startTimeoutMs} ms: ${last}\n${this.logTail(m.name, 40)}`,
    );
  }
}

/**
 * Starts a process cluster for the enclosing describe block (beforeAll), stops it afterwards
 * even when tests fail (afterAll), and prints every process's log tail after a failed test.
 */
export function useProcessCluster(options: ClusterOptions = {}): { readonly cluster: ProcessCluster } {
  let cluster: ProcessCluster | undefined;
  beforeAll(async () => {
    cluster = await ProcessCluster.start(options);
  });
  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      if (cluster) process.stderr.write(`\nprocess logs after failed test "${ctx.task.name}":\n${cluster.allLogTails(25)}\n`);
    });
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  return {
    get cluster(): ProcessCluster {
      if (!cluster) throw new Error('the cluster is not started (beforeAll failed?)');
      return cluster;
    },
  };
}
