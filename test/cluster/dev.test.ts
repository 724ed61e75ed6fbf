import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
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
