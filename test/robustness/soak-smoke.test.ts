import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cluster.js';

/** Smoke run of the soak script (6 s instead of 10 min) so that it cannot rot. */
describe('bench/soak harness', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringkv-soak-smoke-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the mixed workload, samples throughput, errors, latency and RSS, and writes JSON and markdown', async () => {
    const json = join(dir, 'out.json');
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['bench/soak/run.mjs', '--minutes', '0.1', '--sample-seconds', '2', '--keys', '200', '--concurrency', '16', '--json', json, '--quiet'],
        { cwd: REPO_ROOT, timeout: 60_000, encoding: 'utf8' },
        (err, out, errOut) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: out, stderr: errOut }),
      );
    });
    expect(code, stderr).toBe(0);
    const r = JSON.parse(readFileSync(json, 'utf8')) as {
      ops: number; opsPerSec: number; p99Us: number; errors: Record<string, number>; byOp: Record<string, number>;
      samples: Array<{ opsPerSec: number; rssMiB: Record<string, number> }>; firstClientError?: string;
    };
    expect(r.firstClientError).toBeUndefined();
    expect(r.ops).toBeGreaterThan(100);
    expect(Object.keys(r.byOp).sort()).toEqual(['delete', 'get', 'lock', 'put', 'queuePopAck', 'queuePush']);
    expect(r.p99Us).toBeGreaterThan(0);
    // Only overload-type codes are acceptable on a busy machine; a bug would show as INTERNAL.
    expect(Object.keys(r.errors).filter((c) => !['DEADLINE_EXCEEDED', 'UNAVAILABLE', 'RESOURCE_EXHAUSTED'].includes(c))).toEqual([]);
    expect(r.samples.length).toBeGreaterThanOrEqual(2);
    for (const s of r.samples) {
      expect(Object.keys(s.rssMiB).sort()).toEqual(['loadgen', 'router', 'shard-1', 'shard-2', 'shard-3']);
      for (const mib of Object.values(s.rssMiB)) expect(mib).toBeGreaterThan(10);
    }
    expect(stdout).toMatch(/\| throughput \| [\d,]+ ops\/s \|/);
    expect(stdout).toMatch(/\| RSS router: first \/ max \/ last sample \|/);
  }, 60_000);
});
