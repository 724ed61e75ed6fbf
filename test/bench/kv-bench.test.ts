import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cluster.js';

interface Row {
  phase: string; workload: string; system: string; inflight: number; ops: number; errors: number; profiled: boolean;
  cpuUsPerOp: Record<string, number>; cpuUsPerOpTotal: number;
}

/**
 * Smoke run of `pnpm bench` (bench/kv/run.mjs) with tiny counts: every system and workload,
 * CPU per op of every process, the 1-in-flight phase, the BENCHMARKS.md block, and a profile
 * of every ringkv process for the put window.
 */
describe('bench/kv harness', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringkv-bench-kv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures CPU per operation of every process over a fixed count, writes JSON, the markdown block and profile summaries', async () => {
    const json = join(dir, 'out.json');
    const md = join(dir, 'BENCH.md');
    const prof = join(dir, 'prof');
    writeFileSync(md, '# before\n\n<!-- bench:kv:start -->\nold\n<!-- bench:kv:end -->\n\n# after\n');
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['bench/kv/run.mjs', '--ops', '2000', '--ycsb-ops', '1000', '--warmup-ops', '200', '--latency-ops', '100', '--keys', '1000',
          '--skip-micro', '--json', json, '--md', md, '--profile', prof, '--profile-workloads', 'put'],
        { cwd: REPO_ROOT, timeout: 170_000, encoding: 'utf8' },
        (err, out, errOut) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: out, stderr: errOut }),
      );
    });
    expect(code, stderr).toBe(0);
    const r = JSON.parse(readFileSync(json, 'utf8')) as { summary: Row[] };
    const row = (phase: string, workload: string, system: string) => {
      const x = r.summary.find((s) => s.phase === phase && s.workload === workload && s.system === system);
      expect(x, `${phase} ${workload} ${system}`).toBeDefined();
      return x!;
    };
    for (const workload of ['put', 'get', 'a', 'c', 'insert']) {
      const k = row('load', workload, 'ringkv');
      expect(k.ops).toBe(workload === 'put' || workload === 'get' ? 2000 : 1000);
      expect(k.errors).toBe(0);
      expect(Object.keys(k.cpuUsPerOp).sort()).toEqual(['client', 'router', 'shard-1', 'shard-2', 'shard-3']);
      // /proc counts in 10 ms ticks: a shard's share of 1,000 operations may round to 0, their sum may not.
      expect(k.cpuUsPerOp.client).toBeGreaterThan(0);
      expect(k.cpuUsPerOp.router).toBeGreaterThan(0);
      expect(k.cpuUsPerOp['shard-1'] + k.cpuUsPerOp['shard-2'] + k.cpuUsPerOp['shard-3'], workload).toBeGreaterThan(0);
      for (const system of ['redis', 'redis-auto']) {
        const p = row('load', workload, system);
        expect(Object.keys(p.cpuUsPerOp).sort()).toEqual(['client', 'redis-server']);
        expect(p.cpuUsPerOp.client).toBeGreaterThan(0);
        expect(p.errors).toBe(0);
      }
      expect(Object.keys(row('load', workload, 'generator').cpuUsPerOp)).toEqual(['client']);
    }
    expect(row('load', 'put', 'ringkv').profiled).toBe(true);
    expect(row('load', 'get', 'ringkv').profiled).toBe(false);
    for (const workload of ['get', 'put']) {
      for (const system of ['ringkv', 'redis']) expect(row('latency', workload, system).inflight).toBe(1);
    }
    expect(stdout).toMatch(/\| put \| [\d.]+× \| [\d.]+× \| [\d.]+× \| [\d.]+× \|/);
    expect(stdout).toMatch(/\| put: CPU\/op ≤ 1\.0× Redis \(plain\) \| [\d.]+ vs [\d.]+ µs: [\d.]+× \| (met|\*\*missed\*\*) \|/);

    const text = readFileSync(md, 'utf8');
    expect(text.startsWith('# before\n\n<!-- bench:kv:start -->\nRun ')).toBe(true);
    expect(text.endsWith('<!-- bench:kv:end -->\n\n# after\n')).toBe(true);
    expect(text).toContain('| workload | ops/s vs plain | ops/s vs auto | CPU/op vs plain | CPU/op vs auto |');
    expect(text).not.toContain('\nold\n');

    for (const p of ['client', 'router', 'shard-1', 'shard-2', 'shard-3']) expect(existsSync(join(prof, `ringkv-put-${p}.cpuprofile`)), p).toBe(true);
    expect(existsSync(join(prof, 'ringkv-get-router.cpuprofile'))).toBe(false);
    const summary = readFileSync(join(prof, 'summary.md'), 'utf8');
    expect(summary).toContain('### ringkv-put: self time by group');
    expect(summary).toMatch(/\| self time, % of busy \| client \| router \| shard-1 \| shard-2 \| shard-3 \|/);
    expect(summary).toMatch(/\| level: (abstract|classic)-level/);
  }, 180_000);
});
