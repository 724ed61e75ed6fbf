import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ErrorCode, RingKvError, formatHostPort } from '@ringkv/core';

export interface EtcdServerOptions {
  /** Its data dir (created): one member, kept across restarts. */
  dataDir: string;
  /** @default 127.0.0.1 */
  host?: string;
  clientPort: number;
  peerPort: number;
  /** Where its stdout and stderr go. @default DATA/etcd.log */
  logFile?: string;
  /** The etcd binary. @default `etcd` on PATH */
  bin?: string;
  /** Extra environment or flags for tests (preloads, watchdogs). */
  execArgv?: string[];
  /** Its member name. @default ringkv-dev */
  name?: string;
  /** Raft heartbeat and election timeout in ms. @default 50 and 500 (leases down to a second) */
  heartbeatMs?: number;
  electionMs?: number;
  /**
   * The whole cluster's `name=peerURL` list, for one member of several (tests of a 3-member
   * etcd); `initialCluster` of a lone member is itself.
   */
  initialCluster?: string;
}

export const INSTALL_HINT = 'install etcd (Debian/Ubuntu: `apt-get install etcd-server`; or put an etcd 3.4+ binary on PATH)';

/** The path of `etcd` on PATH, or a NOT_FOUND error that says how to get one. */
export function findEtcd(bin = 'etcd'): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new RingKvError(ErrorCode.NOT_FOUND, `cannot run ${bin}: ${r.error?.message ?? r.stderr.trim()}; ${INSTALL_HINT}`);
  return bin;
}

/**
 * One etcd member on 127.0.0.1 for a local cluster (`ringkv dev --etcd`), tests and benches:
 * a fresh data dir starts in well under a second. Heartbeat 50 ms and election timeout 500 ms
 * let leases go down to a second, as the routers' session leases need.
 */
export class EtcdServer {
  readonly options: Required<Omit<EtcdServerOptions, 'execArgv' | 'initialCluster'>> & { initialCluster?: string };
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;

  constructor(options: EtcdServerOptions) {
    this.options = {
      host: '127.0.0.1', logFile: join(options.dataDir, 'etcd.log'), bin: 'etcd', name: 'ringkv-dev', heartbeatMs: 50, electionMs: 500, ...options,
    };
  }

  /** The client URL routers take with --etcd. */
  get endpoint(): string {
    return `http://${formatHostPort({ host: this.options.host, port: this.options.clientPort })}`;
  }

  /** The URL its peers reach it on. */
  get peerUrl(): string {
    return `http://${formatHostPort({ host: this.options.host, port: this.options.peerPort })}`;
  }

  get child(): ChildProcess | undefined {
    return this.#child;
  }

  get pid(): number | undefined {
    return this.#child && this.#child.exitCode === null && this.#child.signalCode === null ? this.#child.pid : undefined;
  }

  /** Starts it (again, on the same data dir) and waits until it answers. */
  async start(timeoutMs = 15_000): Promise<void> {
    if (this.pid !== undefined) return;
    const { host, clientPort, peerPort, dataDir, logFile, bin, name } = this.options;
    findEtcd(bin);
    mkdirSync(dataDir, { recursive: true });
    const peer = this.peerUrl;
    const fd = openSync(logFile, 'a');
    try {
      this.#child = spawn(bin, [
        '--name', name, '--data-dir', join(dataDir, 'member'),
        '--listen-client-urls', this.endpoint, '--advertise-client-urls', this.endpoint,
        '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', this.options.initialCluster ?? `${name}=${peer}`,
        '--heartbeat-interval', String(this.options.heartbeatMs), '--election-timeout', String(this.options.electionMs), '--log-level', 'warn',
      ], { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const child = this.#child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (await etcdHealthy(host, clientPort)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    await this.stop();
    throw new RingKvError(ErrorCode.UNAVAILABLE, `etcd did not start on ${this.endpoint} within ${timeoutMs} ms\n${tail}`);
  }

  /** Sends `signal` (SIGKILL, SIGSTOP, SIGCONT ...). */
  signal(signal: NodeJS.Signals): void {
    this.#child?.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 5_000): Promise<void> {
    const child = this.#child;
    if (!child || this.pid === undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** SIGKILL; resolves once it has exited. */
  async kill(): Promise<void> {
    if (this.pid === undefined) return;
    this.#child!.kill('SIGKILL');
    await this.#exited;
  }
}

/** etcd on HOST:PORT accepts connections and its /health says true. */
export async function etcdHealthy(host: string, port: number): Promise<boolean> {
  const open = await new Promise<boolean>((resolve) => {
    const s = connect(port, host, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (!open) return false;
  try {
    const res = await fetch(`http://${formatHostPort({ host, port })}/health`, { signal: AbortSignal.timeout(1_000) });
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}
