import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { CLI_BIN, REPO_ROOT } from '../helpers/cluster.js';
import { runCli } from '../helpers/cli.js';
import { freePortRange } from '../helpers/free-port.js';
import { checkHealth } from '../helpers/health.js';
import { track, trackDir, untrackDir } from '../helpers/reaper.js';
import { StopWaiting, waitUntil } from '../helpers/wait.js';

/** `ringkv dev`: a local 3-shard cluster in the foreground that stops cleanly and comes back. */
describe('ringkv dev', () => {
  const root = mkdtempSync(join(tmpdir(), 'ringkv-dev-test-'));
  const dataDir = join(root, 'data');
  const logPath = join(root, 'dev.log');
  let base = 0;
  let router = '';
  let dev: { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } | undefined;

  function startDev(extra: string[] = []): void {
    const fd = openSync(logPath, 'a');
    const child = spawn(process.execPath, [CLI_BIN, 'dev', '--shards', '3', '--data-dir', dataDir, '--port', String(base), ...extra], {
      cwd: REPO_ROOT,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, RINGKV_LOG_LEVEL: 'info' },
    });
    closeSync(fd);
    track(child);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    dev = { child, exited };
  }

  const log = () => readFileSync(logPath, 'utf8');

  async function waitServing(): Promise<void> {
    await waitUntil(
      `ringkv dev serving on ${router}\n${log()}`,
      async () => {
        if (dev!.child.exitCode !== null) throw new StopWaiting(`ringkv dev exited ${dev!.child.exitCode}:\n${log()}`);
        const client = await RingKvClient.connect({ routers: [router], connectTimeoutMs: 1_000 });
        try {
          const s = await client.admin.status({ timeoutMs: 2_000 });
          return s.shards.length === 3 && s.shards.every((sh) => sh.reachable) ? true : undefined;
        } finally {
          await client.close();
        }
      },
      40_000,
      250,
    );
  }

  async function stopDev(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    dev!.child.kill('SIGTERM');
    return dev!.exited;
  }

  beforeAll(async () => {
    trackDir(root);
    for (let attempt = 1; ; attempt++) {
      base = await freePortRange(4);
      router = `127.0.0.1:${base}`;
      startDev();
      try {
        await waitServing();
        return;
      } catch (err) {
        // Another process took one of the ports between our check and the bind: try others.
        if (attempt >= 3 || !/EADDRINUSE|cannot listen/i.test(log())) throw err;
        await stopDev();
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  });
  afterAll(async () => {
    if (dev && dev.child.exitCode === null && dev.child.signalCode === null) {
      dev.child.kill('SIGKILL');
      await dev.exited;
    }
    rmSync(root, { recursive: true, force: true });
    untrackDir(root);
  });

  it('serves put/get through the CLI, with a router and 3 shards on consecutive ports', async () => {
    const put = await runCli(['--router', router, 'put', 'dev-hello', 'world']);
    expect(put.code, put.stderr).toBe(0);
    const get = await runCli(['get', 'dev-hello'], { env: { RINGKV_ROUTER: router } });
    expect(get.stdout).toBe('world\n');
    for (let i = 1; i <= 3; i++) expect(await checkHealth(`127.0.0.1:${base + i}`)).toBe('SERVING');
  });

  it('status --json shows keys spread over all 3 shards', async () => {
    const client = await RingKvClient.connect({ routers: [router] });
    try {
      await client.batchPut(Array.from({ length: 600 }, (_, i) => ({ key: `dev-spread-${i}`, value: 'x' })));
    } finally {
      await client.close();
    }
    const r = await runCli(['--router', router, 'status', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as { shards: Array<{ id: string; keys: number }>; replicationFactor: number };
    expect(status.shards.map((s) => s.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3']);
    // Replication factor 1 unless asked; the router coordinates replication.
    expect(status.replicationFactor).toBe(1);
    expect(readFileSync(join(dataDir, 'logs', 'router.log'), 'utf8')).toMatch(/ringkv dev starts router: .* --replication-factor 1\n/);
    for (const s of status.shards) expect(s.keys, s.id).toBeGreaterThan(100);
    expect(status.shards.reduce((n, s) => n + s.keys, 0)).toBe(601);
  });

  it('SIGTERM stops it and every child: exit 0, no port left serving', async () => {
    const exit = await stopDev();
    expect(exit).toEqual({ code: 0, signal: null });
    for (let p = base; p <= base + 3; p++) {
      await expect(checkHealth(`127.0.0.1:${p}`, '', 500)).rejects.toBeDefined();
    }
  });

  it('starting again on the same data dir brings everything back', async () => {
    startDev(['--replication-factor', '2']);
    await waitServing();
    // The cluster exists: its replication factor is kept, and the flag is said to be ignored.
    expect(log()).toContain('warning: --replication-factor 2 ignored: it only applies to a new cluster; change it with: ringkv replication set 2');
    const get = await runCli(['--router', router, 'get', 'dev-hello']);
    expect(get.stdout).toBe('world\n');
    const client = await RingKvClient.connect({ routers: [router] });
    try {
      const values = await client.batchGet(Array.from({ length: 600 }, (_, i) => `dev-spread-${i}`));
      expect(values.filter((v) => v === undefined)).toHaveLength(0);
    } finally {
      await client.close();
    }
    expect(await stopDev()).toEqual({ code: 0, signal: null });
  });
});

/** Pids of live processes whose command line mentions `text` (a data dir, here). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // It exited while we looked.
    }
  }
  return pids;
}

/** `ringkv dev --routers 2 --etcd`: the highly available shape, etcd included, from one command. */
describe('ringkv dev --routers 2 --etcd', () => {
  const root = mkdtempSync(join(tmpdir(), 'ringkv-dev-etcd-test-'));
  const dataDir = join(root, 'data');
  const logPath = join(root, 'dev.log');
  // router-1, shard-1..3, router-2, etcd client and peer.
  let base = 0;
  let routers: string[] = [];
  let dev: { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } | undefined;
  const log = () => readFileSync(logPath, 'utf8');

  async function startDev(): Promise<void> {
    const fd = openSync(logPath, 'a');
    const child = spawn(process.execPath, [
      CLI_BIN, 'dev', '--routers', '2', '--etcd', '--replication-factor', '3', '--shards', '3', '--data-dir', dataDir, '--port', String(base),
    ], { cwd: REPO_ROOT, stdio: ['ignore', fd, fd], env: { ...process.env, RINGKV_LOG_LEVEL: 'info' } });
    closeSync(fd);
    track(child);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    dev = { child, exited };
    // ringkv dev prints its banner once every router reaches every shard and a coordinator is elected.
    const runs = log().split('ringkv dev cluster is up').length;
    await waitUntil(`ringkv dev --etcd up\n${log()}`, async () => {
      if (child.exitCode !== null) throw new StopWaiting(`ringkv dev exited ${child.exitCode}:\n${log()}`);
      return log().split('ringkv dev cluster is up').length > runs ? true : undefined;
    }, 40_000, 200);
  }

  async function noneLeft(): Promise<void> {
    await waitUntil(`every process of ${dataDir} gone`, async () => (processesMentioning(dataDir).length === 0 ? true : undefined), 5_000, 100);
  }

  beforeAll(async () => {
    trackDir(root);
    for (let attempt = 1; ; attempt++) {
      base = await freePortRange(7);
      routers = [`127.0.0.1:${base}`, `127.0.0.1:${base + 4}`];
      try {
        await startDev();
        return;
      } catch (err) {
        // Another process took one of the ports between our check and the bind: try others.
        if (attempt >= 3 || !/EADDRINUSE|cannot listen|already in use|address in use/i.test(log())) throw err;
        dev!.child.kill('SIGTERM');
        await dev!.exited;
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  });
  afterAll(async () => {
    if (dev && dev.child.exitCode === null && dev.child.signalCode === null) {
      dev.child.kill('SIGKILL');
      await dev.exited;
    }
    await noneLeft().catch(() => {});
    rmSync(root, { recursive: true, force: true });
    untrackDir(root);
  });

  it('prints every router and the etcd endpoint, serves through each router, and status shows etcd and a coordinator', async () => {
    const banner = log();
    expect(banner).toContain(`routers router-1=${routers[0]}  router-2=${routers[1]}`);
    expect(banner).toContain(`etcd    http://127.0.0.1:${base + 5}`);
    for (const [i, router] of routers.entries()) {
      const other = routers[1 - i]!;
      const client = await RingKvClient.connect({ routers: [router] });
      try {
        await client.put(`via-router-${i + 1}`, `value-${i + 1}`);
        expect((await client.get(`via-router-${i + 1}`))?.toString()).toBe(`value-${i + 1}`);
      } finally {
        await client.close();
      }
      const get = await runCli(['--router', other, 'get', `via-router-${i + 1}`]);
      expect(get.stdout, get.stderr).toBe(`value-${i + 1}\n`);
    }
    const r = await runCli(['--router', routers[1]!, 'status', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as {
      controlPlane: string; coordinator?: { id: string; address: string }; replicationFactor: number;
      routers: Array<{ id: string; address: string }>;
    };
    expect(status.controlPlane).toBe('etcd');
    expect(status.replicationFactor).toBe(3);
    expect(['router-1', 'router-2']).toContain(status.coordinator?.id);
    expect(status.routers.map((x) => x.id).sort()).toEqual(['router-1', 'router-2']);
    // Every router is on etcd under its own id.
    for (const id of ['router-1', 'router-2']) {
      expect(readFileSync(join(dataDir, 'logs', `${id}.log`), 'utf8')).toMatch(new RegExp(`ringkv dev starts ${id}: .* --id ${id} --etcd http://127\\.0\\.0\\.1:${base + 5}\n`));
    }
  });

  it('SIGTERM stops every router, shard and etcd: exit 0, no process left', async () => {
    expect(processesMentioning(join(dataDir, 'etcd')).length).toBeGreaterThan(0);
    dev!.child.kill('SIGTERM');
    expect(await dev!.exited).toEqual({ code: 0, signal: null });
    expect(processesMentioning(dataDir)).toEqual([]);
  });

  it('comes back on the same data dir with its keys; a SIGKILLed ringkv dev takes etcd down with it', async () => {
    await startDev();
    const get = await runCli(['--router', routers.join(','), 'get', 'via-router-2']);
    expect(get.stdout, get.stderr).toBe('value-2\n');
    dev!.child.kill('SIGKILL');
    await dev!.exited;
    // No one stops the children in order now: their watchdogs notice and stop them (etcd's via its keeper).
    await noneLeft();
  });

  it('without etcd on PATH it says how to install it, exits 1 and starts nothing', async () => {
    const bare = join(root, 'no-etcd-bin');
    mkdirSync(bare, { recursive: true });
    const other = join(root, 'other-data');
    const r = await runCli(['dev', '--routers', '2', '--etcd', '--data-dir', other, '--port', String(base)], { env: { PATH: bare } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: NOT_FOUND: ringkv dev --etcd needs etcd on PATH; on Debian/Ubuntu: apt-get install etcd-server');
    expect(existsSync(join(other, 'dev.json'))).toBe(false);
    expect(processesMentioning(other)).toEqual([]);
  });
});
