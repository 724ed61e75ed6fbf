import { spawn, type ChildProcess } from 'node:child_process';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_BIN, REPO_ROOT, type ExitInfo } from './cluster.js';
import { freePort } from './free-port.js';
import { checkHealth } from './health.js';
import { track } from './reaper.js';

const HOST = '127.0.0.1';

export interface ExtraNodeOptions {
  /** Parent dir of its data dir and log (for example a ProcessCluster's `root`, removed with it). */
  root: string;
  /** Extra ringkv-node flags. */
  args?: string[];
  /** @default 20_000 */
  startTimeoutMs?: number;
  /** How health checks connect, for a node started with --tls-*. @default plaintext */
  healthCredentials?: ChannelCredentials;
}

/**
 * A `ringkv-node` started outside a ProcessCluster, to be added to it with `shard add`: its own
 * id, free port, data dir and log under `root`. It keeps its port and data dir across
 * restarts, and dies with the test process (reaper).
 */
export class ExtraNode {
  readonly id: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logPath: string;
  readonly #args: string[];
  readonly #startTimeoutMs: number;
  readonly #healthCredentials: ChannelCredentials | undefined;
  #child: ChildProcess | undefined;
  #exited: Promise<ExitInfo> | undefined;

  private constructor(id: string, port: number, options: ExtraNodeOptions) {
    this.id = id;
    this.port = port;
    this.dataDir = join(options.root, id);
    this.logPath = join(options.root, `${id}.log`);
    this.#args = options.args ?? [];
    this.#startTimeoutMs = options.startTimeoutMs ?? 20_000;
    this.#healthCredentials = options.healthCredentials;
    mkdirSync(this.dataDir, { recursive: true });
  }

  /** Starts the node and waits until it is healthy (retrying on a port taken meanwhile). */
  static async start(id: string, options: ExtraNodeOptions): Promise<ExtraNode> {
    for (let attempt = 1; ; attempt++) {
      const node = new ExtraNode(id, await freePort(), options);
      try {
        await node.#spawn();
        return node;
      } catch (err) {
        if (!/EADDRINUSE|cannot listen/i.test(node.log()) || attempt >= 3) throw err;
      }
    }
  }

  get address(): string {
    return `${HOST}:${this.port}`;
  }

  get isRunning(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  log(): string {
    return existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
  }

  logTail(lines = 30): string {
    return this.log().split('\n').slice(-lines - 1).join('\n');
  }

  /** Sends `signal` and waits for the exit (SIGKILL after 15 s of a SIGTERM that did not end it). */
  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<ExitInfo | undefined> {
    if (!this.#child || !this.#exited) return undefined;
    if (!this.isRunning) return this.#exited;
    this.#child.kill(signal);
    const timer = setTimeout(() => this.#child?.kill('SIGKILL'), 15_000);
    try {
      return await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts the stopped node again on the same port and data dir. */
  async restart(): Promise<void> {
    if (this.isRunning) throw new Error(`${this.id} is still running; kill it first`);
    await this.#spawn();
  }

  async stop(): Promise<void> {
    await this.kill('SIGKILL');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #spawn(): Promise<void> {
    const fd = openSync(this.logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(
        process.execPath,
        [NODE_BIN, '--id', this.id, '--listen', this.address, '--data-dir', this.dataDir, ...this.#args],
        { cwd: REPO_ROOT, stdio: ['ignore', fd, fd], env: { ...process.env, RINGKV_LOG_LEVEL: process.env.RINGKV_LOG_LEVEL ?? 'info' } },
      );
    } finally {
      closeSync(fd);
    }
    track(child);
    this.#child = child;
    let exit: ExitInfo | undefined;
    this.#exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    void this.#exited.then((e) => (exit = e));
    const deadline = Date.now() + this.#startTimeoutMs;
    let last = 'not polled yet';
    while (Date.now() < deadline) {
      if (exit) throw new Error(`${this.id} exited during start-up (code ${exit.code}, signal ${exit.signal})\n${this.logTail()}`);
      try {
        if ((await checkHealth(this.address, '', 1_000, this.#healthCredentials)) === 'SERVING') return;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    await this.#exited;
    throw new Error(`${this.id} (${this.address}) not healthy within ${this.#startTimeoutMs} ms: ${last}\n${this.logTail()}`);
  }
}
