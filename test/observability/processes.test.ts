import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_BIN, ROUTER_BIN } from '../helpers/cluster.js';
import { freePort } from '../helpers/free-port.js';
import { track } from '../helpers/reaper.js';
import { scrape } from './scrape.js';

interface Proc {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  stderr: () => string;
  exited: Promise<number | null>;
}

function start(bin: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  const lines: Array<Record<string, unknown>> = [];
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    let i;
    while ((i = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, i);
      out = out.slice(i + 1);
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, stderr: () => err, exited };
}

async function waitFor<T>(what: string, p: Proc, f: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (p.child.exitCode !== null || Date.now() > deadline) throw new Error(`${what}: not seen; stderr: ${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Scrapes `address` once the process serves it (it binds metrics after its gRPC port). */
async function scrapeWhenUp(address: string, p: Proc) {
  for (let i = 0; ; i++) {
    try {
      return await scrape(address);
    } catch (err) {
      if (i >= 150 || p.child.exitCode !== null) throw new Error(`${address}: ${String(err)}; stderr: ${p.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('ringkv-node and ringkv-router: --metrics / RINGKV_METRICS and RINGKV_LOG_LEVEL', () => {
  const procs: Proc[] = [];
  let root = '';

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('serve /metrics where the flag or the variable says, log at the level the variable says, and close on SIGTERM', async () => {
    root = await mkdtemp(join(tmpdir(), 'ringkv-obs-proc-'));
    const node = start(NODE_BIN, ['--id', 'p1', '--listen', '127.0.0.1:0', '--data-dir', join(root, 'p1'), '--metrics', '127.0.0.1:0'],
      { RINGKV_LOG_LEVEL: 'info' });
    procs.push(node);
    const nodeAddress = await waitFor('node listening', node, () => node.lines.find((l) => l.msg === 'storage node listening')?.address as string);
    const nodeMetrics = await waitFor('metrics line', node, () => node.lines.find((l) => String(l.msg).startsWith('metrics on'))?.address as string);
    const n = await scrape(nodeMetrics);
    expect(n.sum('ringkv_node_epoch', { shard: 'p1' })).toBe(0);
    expect(n.has('process_cpu_seconds_total', { shard: 'p1' })).toBe(true);

    const metricsPort = await freePort();
    const router = start(ROUTER_BIN, ['--listen', '127.0.0.1:0', '--data-dir', join(root, 'router'), '--shard', `p1=${nodeAddress}`],
      { RINGKV_LOG_LEVEL: 'warn', RINGKV_METRICS: `127.0.0.1:${metricsPort}` });
    procs.push(router);
    const r = await scrapeWhenUp(`127.0.0.1:${metricsPort}`, router);
    expect(r.sum('ringkv_router_epoch')).toBe(1);
    expect(r.labelValues('ringkv_router_shard_queued_ops', 'shard')).toEqual(['p1']);

    router.child.kill('SIGTERM');
    node.child.kill('SIGTERM');
    expect(await router.exited).toBe(0);
    expect(await node.exited).toBe(0);
    // At warn the router wrote no info line ('router listening', 'router closed'); at info the node did.
    expect(router.lines.filter((l) => (l.level as number) < 40)).toEqual([]);
    expect(node.lines.some((l) => l.msg === 'storage node closed' && l.level === 30)).toBe(true);
    await expect(scrape(nodeMetrics)).rejects.toThrow();
  });

  it('refuse to start with an unknown RINGKV_LOG_LEVEL (INVALID_ARGUMENT) or a bad --metrics address', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ringkv-obs-bad-'));
    try {
      const badLevel = start(NODE_BIN, ['--id', 'p2', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'p2')], { RINGKV_LOG_LEVEL: 'loud' });
      const badMetrics = start(NODE_BIN, ['--id', 'p3', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'p3'), '--metrics', 'nowhere'], {});
      procs.push(badLevel, badMetrics);
      expect(await badLevel.exited).toBe(1);
      expect(badLevel.stderr()).toContain('error: INVALID_ARGUMENT: RINGKV_LOG_LEVEL="loud" is not a log level');
      expect(await badMetrics.exited).not.toBe(0);
      expect(badMetrics.stderr()).toMatch(/invalid --metrics "nowhere"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
