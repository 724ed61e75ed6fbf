import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cluster.js';

/**
 * Smoke run of the migration benchmark's harness (not a benchmark: a few thousand keys, one
 * second of baseline): it starts its cluster, adds a shard, reports, and cleans up.
 */
describe('bench/migration harness', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringkv-bench-smoke-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('moves exactly the keys the ring diff says and reports the figures as JSON and markdown', async () => {
    const json = join(dir, 'out.json');
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['bench/migration/run.mjs', '--keys', '2000', '--baseline-seconds', '1', '--fg-inflight', '4', '--json', json, '--quiet'],
        { cwd: REPO_ROOT, timeout: 90_000, encoding: 'utf8', env: { ...process.env, RINGKV_LOG_LEVEL: 'info' } },
        (err, out, errOut) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: out, stderr: errOut }),
      );
    });
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/\| \*\*keys\/s moved\*\* \|/);
    expect(stdout).toMatch(/\| \*\*p99 during \/ before\*\* \|/);
    const r = JSON.parse(readFileSync(json, 'utf8'));
    expect(r.config.keys).toBe(2000);
    expect(r.ideal.keys).toBeGreaterThan(2000 * 0.15);
    expect(r.ideal.keys).toBeLessThan(2000 * 0.35);
    expect(r.migration.keysMoved).toBe(r.ideal.keys);
    expect(r.migration.movedOverIdeal).toBe(1);
    expect(r.shards.totalKeysAfter).toBe(2000);
    expect(r.shards.newShardKeys).toBe(r.ideal.keys);
    expect(r.foreground.before.ops).toBeGreaterThan(0);
    expect(r.foreground.during.ops).toBeGreaterThan(0);
    expect(r.migration.keysPerSec).toBeGreaterThan(0);
    expect(r.checks).toEqual([]);
  }, 120_000);
});
