import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RingKvError, type ArcMigration, type ClusterStatus, type MigrationPlan, type RingKvClient } from '@ringkv/client';
import { MigrationProgress } from '../src/migration-progress.js';
import { eta, migrationsText, planJson, planText, progressLine } from '../src/format-migration.js';
import { statusJson, statusText } from '../src/format.js';
import { LineRenderer, watchMigration, type ProgressRenderer } from '../src/migration-watch.js';

function arc(start: number, end: number, state: ArcMigration['state'], moved: number, estimated: number): ArcMigration {
  return {
    start, end, from: 'shard-1', to: 'shard-4', targets: ['shard-4'], state,
    keysMoved: BigInt(moved), bytesMoved: BigInt(moved * 100),
    estimatedKeys: BigInt(estimated), estimatedBytes: BigInt(estimated * 100),
  };
}

function status(epoch: number, migrations: ArcMigration[], migrationError?: string): ClusterStatus {
  return {
    clusterId: 'c', epoch: BigInt(epoch), controlPlane: 'file', routers: [], answeredBy: 'router',
    shards: [{ id: 'shard-1', address: '127.0.0.1:1', weight: 1, state: 'active', keys: 10n, bytes: 700n, reachable: true, replicaState: 'in_sync' }],
    migrations,
    ...(migrationError ? { migrationError } : {}),
    replicationFactor: 1,
    arcGroups: [{ replicas: ['shard-1'], primary: 'shard-1', inSync: ['shard-1'], arcs: 1, fraction: 1, underReplicated: false }],
    underReplicatedArcs: 0,
    underReplicatedFraction: 0,
  };
}

describe('MigrationProgress', () => {
  it('sums moved and estimated keys, computes rates between samples and an ETA', () => {
    const p = new MigrationProgress();
    const first = p.update(status(5, [arc(0, 10, 'done', 100, 100), arc(10, 20, 'copying', 0, 200), arc(20, 30, 'pending', 0, 100)]), 1_000);
    expect(first.states).toEqual({ pending: 1, copying: 1, handoff: 0, done: 1 });
    expect(first.keysMoved).toBe(100n);
    expect(first.estimatedKeys).toBe(400n);
    expect(first.done).toBeCloseTo(0.25);
    expect(first.etaSec).toBeUndefined();
    expect(first.arcs[1]!.keysPerSec).toBeUndefined();

    const second = p.update(status(5, [arc(0, 10, 'done', 100, 100), arc(10, 20, 'copying', 100, 200), arc(20, 30, 'pending', 0, 100)]), 3_000);
    expect(second.keysPerSec).toBeCloseTo(50);
    expect(second.etaSec).toBeCloseTo(4); // 200 keys left at 50 keys/s
    const copying = second.arcs[1]!;
    expect(copying.keysPerSec).toBeCloseTo(50);
    expect(copying.done).toBeCloseTo(0.5);
    expect(copying.etaSec).toBeCloseTo(2);
  });

  it('never reports a negative rate when an arc is copied again from zero', () => {
    const p = new MigrationProgress();
    p.update(status(5, [arc(10, 20, 'copying', 150, 200)]), 0);
    const v = p.update(status(7, [arc(10, 20, 'copying', 10, 200)]), 1_000);
    expect(v.keysPerSec).toBe(0);
    expect(v.arcs[0]!.keysPerSec).toBeGreaterThanOrEqual(0);
  });

  it('raises the estimate to what was moved (writes during the migration)', () => {
    const v = new MigrationProgress().update(status(5, [arc(10, 20, 'done', 300, 200)]), 0);
    expect(v.estimatedKeys).toBe(300n);
    expect(v.done).toBe(1);
  });
});

describe('formats', () => {
  const plan: MigrationPlan = {
    epoch: 4n, committed: false, fraction: 0.25, estimatedKeys: 300n, estimatedBytes: 30_000n,
    arcs: [arc(0, 10, 'pending', 0, 100), { ...arc(4294967000, 5, 'pending', 0, 200), from: 'shard-2' }],
  };

  it('plan as JSON: arcs as "(start,end]" with their estimates', () => {
    expect(JSON.parse(planJson(plan))).toEqual({
      epoch: 4, committed: false, fraction: 0.25, estimatedKeys: 300, estimatedBytes: 30000,
      arcs: [
        { arc: '(0,10]', from: 'shard-1', to: 'shard-4', targets: ['shard-4'], state: 'pending', estimatedKeys: 100, estimatedBytes: 10000 },
        { arc: '(4294967000,5]', from: 'shard-2', to: 'shard-4', targets: ['shard-4'], state: 'pending', estimatedKeys: 200, estimatedBytes: 20000 },
      ],
    });
  });

  it('plan as text: per pair, per arc, and the totals with the fraction moved', () => {
    const text = planText(plan, 'dry run: test');
    expect(text.split('\n')[0]).toBe('dry run: test');
    expect(text).toMatch(/shard-1 -> shard-4 +│ +1 │ +100 │ +9\.8 KiB/);
    expect(text).toContain('(4294967000,5]');
    expect(text).toContain('total: 2 arcs (25.0% of the ring), ~300 keys, ~29.3 KiB');
    expect(planText({ ...plan, arcs: [] }, 'h')).toBe('h\nnothing to move\n');
  });

  it('status --json lists migrations as {arc, from, to, targets, state, keysMoved, bytesMoved}, and migrationError only when set', () => {
    const j = JSON.parse(statusJson(status(9, [arc(1, 2, 'copying', 5, 10)]))) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(['epoch', 'shards', 'migrations', 'replicationFactor', 'arcGroups', 'underReplicatedArcs', 'underReplicatedFraction', 'controlPlane', 'routers']);
    expect(j['migrations']).toEqual([{ arc: '(1,2]', from: 'shard-1', to: 'shard-4', targets: ['shard-4'], state: 'copying', keysMoved: 5, bytesMoved: 500 }]);
    const failing = JSON.parse(statusJson(status(9, [arc(1, 2, 'copying', 5, 10)], 'epoch 9 not installed on shard-4'))) as Record<string, unknown>;
    expect(failing['migrationError']).toBe('epoch 9 not installed on shard-4');
  });

  it('human status and migrations show the counts, the arcs in flight and the error', () => {
    const s = status(9, [arc(1, 2, 'copying', 5, 10), arc(2, 3, 'done', 7, 7), arc(3, 4, 'pending', 0, 3)], 'target down');
    const text = statusText(s);
    expect(text).toContain('migrations: 3 arcs (1 done, 1 copying, 0 handoff, 1 pending), 12 keys / 1.2 KiB moved');
    expect(text).toContain('migration error (retrying): target down');
    expect(text).toContain('(1,2]');
    expect(text).not.toContain('(2,3]');
    const m = migrationsText(new MigrationProgress().update(s, 0));
    expect(m).toContain('epoch 9: 1/3 arcs done (1 copying, 0 handoff, 1 pending), 12/20 keys');
    expect(m).toContain('last error (retrying): target down');
    expect(m).toMatch(/\(1,2\] +│ shard-1 -> shard-4 │ copying │ \[##########\.{10}\] 50\.0%/);
    expect(m).toContain('(1 done arc not shown)');
    expect(migrationsText(new MigrationProgress().update(status(9, []), 0))).toBe('epoch 9: no migration in progress\n');
  });

  it('durations', () => {
    expect([eta(undefined), eta(0.4), eta(59), eta(185), eta(3_720)]).toEqual(['?', '0s', '59s', '3m05s', '1h02m']);
  });
});

/** A stand-in for the client: `status()` answers from a script of statuses and failures. */
function scripted(steps: Array<ClusterStatus | Error>): RingKvClient {
  let i = 0;
  return {
    admin: {
      status: async () => {
        const step = steps[Math.min(i++, steps.length - 1)]!;
        if (step instanceof Error) throw step;
        return step;
      },
    },
  } as unknown as RingKvClient;
}

class Recorder implements ProgressRenderer {
  readonly lines: string[] = [];
  update(v: Parameters<ProgressRenderer['update']>[0]): void {
    this.lines.push(progressLine(v));
  }
  note(text: string): void {
    this.lines.push(`note: ${text}`);
  }
  stop(): void {
    this.lines.push('stop');
  }
}

describe('watchMigration', () => {
  const base = { timeoutMs: 5_000, intervalMs: 1, statusTimeoutMs: 1_000, stream: process.stderr, timeoutFlag: '--wait-timeout' };

  it('returns once no migration is left at the committed epoch or later, riding through failed polls', async () => {
    const r = new Recorder();
    const client = scripted([
      status(3, []), // the router has not adopted the plan's epoch yet
      status(4, [arc(0, 10, 'copying', 1, 10)]),
      new RingKvError('UNAVAILABLE', 'router restarting'),
      new RingKvError('UNAVAILABLE', 'router restarting'),
      status(6, [arc(0, 10, 'done', 10, 10)]),
      status(7, []),
    ]);
    const done = await watchMigration(client, { ...base, sinceEpoch: 4n }, r);
    expect(done.epoch).toBe(7n);
    expect(r.lines.filter((l) => l.startsWith('note: status failed (UNAVAILABLE: router restarting)'))).toHaveLength(1);
    expect(r.lines).toContain('note: router reachable again');
    expect(r.lines.at(-1)).toBe('stop');
  });

  it('fails with DEADLINE_EXCEEDED naming the coordinator\'s last error when the migration does not finish in time', async () => {
    const r = new Recorder();
    const client = scripted([status(4, [arc(0, 10, 'copying', 1, 10)], 'epoch 4 not installed on shard-4')]);
    const err = await watchMigration(client, { ...base, sinceEpoch: 4n, timeoutMs: 50, intervalMs: 10 }, r).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RingKvError);
    expect((err as RingKvError).code).toBe('DEADLINE_EXCEEDED');
    expect((err as RingKvError).message).toMatch(/within 50 ms \(--wait-timeout\); last error: epoch 4 not installed on shard-4/);
    expect(r.lines.at(-1)).toBe('stop');
  });
});

describe('LineRenderer', () => {
  it('prints a line at a state change or every few seconds, not at every poll', () => {
    const out: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _e, cb) { out.push(chunk.toString()); cb(); } });
    const r = new LineRenderer(sink, 60_000);
    const p = new MigrationProgress();
    r.update(p.update(status(4, [arc(0, 10, 'copying', 1, 10)])));
    r.update(p.update(status(4, [arc(0, 10, 'copying', 2, 10)])));
    r.update(p.update(status(5, [arc(0, 10, 'handoff', 10, 10)])));
    expect(out).toHaveLength(2);
    expect(out[1]).toMatch(/^epoch 5: 0\/1 arcs done \(0 copying, 1 handoff, 0 pending\)/);
  });
});
