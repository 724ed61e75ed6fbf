import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cluster.js';

/** Smoke run of the replication benchmark harness (RF 1 and RF 3, one second each). */
describe('bench/replication harness', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringkv-bench-repl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes at replication factors 1 and 3 without errors and reports them as JSON and a table', async () => {
    const json = join(dir, 'out.json');
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['bench/replication/run.mjs', '--factors', '1,3', '--seconds', '1', '--inflight', '8', '--peer', 'none', '--json', json],
        { cwd: REPO_ROOT, timeout: 110_000, encoding: 'utf8' },
        (err, out, errOut) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: out, stderr: errOut }),
      );
    });
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/\| round 1 \(load avg [\d.]+\) \| ringkv \| 3 \| [\d,]+ \| [\d.]+ \| [\d.]+ \| 0 \| [\d.]+ \| [\d.]+ \| n\/a \|/);
    const r = JSON.parse(readFileSync(json, 'utf8'));
    expect(r.runs.map((x: { replicationFactor: number }) => x.replicationFactor)).toEqual([1, 3]);
    for (const run of r.runs) {
      expect(run.ops, JSON.stringify(run)).toBeGreaterThan(0);
      expect(run.errors, run.firstError).toBe(0);
    }
  }, 120_000);
});
