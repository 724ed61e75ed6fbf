import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cluster.js';

/** Smoke run of the locks-and-queues benchmark harness (ringkv only, one second per workload). */
describe('bench/coordination harness', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringkv-bench-coord-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs lock and queue cycles without errors and reports them as JSON and a table', async () => {
    const json = join(dir, 'out.json');
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['bench/coordination/run.mjs', '--systems', 'ringkv', '--seconds', '1', '--workers', '4', '--json', json],
        { cwd: REPO_ROOT, timeout: 60_000, encoding: 'utf8' },
        (err, out, errOut) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: out, stderr: errOut }),
      );
    });
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/\| lock: acquire \+ release \| [\d,]+ cycles\/s/);
    const r = JSON.parse(readFileSync(json, 'utf8'));
    expect(r.ringkv.lock.cycles).toBeGreaterThan(0);
    expect(r.ringkv.queue.cycles).toBeGreaterThan(0);
    expect(r.ringkv.lock.errors).toEqual({});
    expect(r.ringkv.queue.errors).toEqual({});
  });
});
