import { afterAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { Ring, hash32, ringOf } from '@ringkv/core';
import { useProcessCluster } from '../helpers/cluster.js';
import { ExtraNode } from '../helpers/extra-node.js';
import { mapLimit } from '../helpers/keys.js';
import { addShard, removeShard, waitForMigrations } from '../helpers/membership.js';
import { sleep } from '../helpers/wait.js';
import { checkHistory } from './checker.js';
import { RegisterRun } from './register-client.js';

/**
 * Invariant 2 (per-key linearizability across migrations), checked on a real history: several
 * clients run get / put / put-if-version (CAS) / delete on a few keys that live in arcs that
 * move, while a 4th shard joins and then shard-1 leaves. The history is then checked with a
 * Wing–Gong style register checker. The migration is throttled (per-arc byte rate) and there is
 * filler data, so that each membership change lasts seconds while the clients run.
 */

const CLIENTS = 5;
const KEYS_PER_CHANGE = 4; // keys that move on the add, and as many that move on the remove
const FILLER_KEYS = 20_000;
const FILLER_VALUE = 'f'.repeat(200);
const MIGRATION_RATE = Number(process.env.RINGKV_LIN_RATE ?? 120_000); // bytes/s per arc stream
const MAX_OPS = 60_000; // all clients together
const MAX_RUN_MS = 45_000; // hard cap on the client loops
const OP_TIMEOUT_MS = 5_000;

/** Error codes after which a write was certainly not applied (documented in the client README). */

describe('linearizability while arcs move', () => {
  const env = useProcessCluster({ shards: 3, routerArgs: ['--migration-rate', String(MIGRATION_RATE)] });
  let extra: ExtraNode | undefined;
  const clients: RingKvClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await extra?.stop();
  });

  it('a get/put/cas/delete history on keys in moving arcs is linearizable (3 -> 4 shards, then shard-1 removed)', async () => {
    const cluster = env.cluster;
    extra = await ExtraNode.start('shard-4', { root: cluster.root });
    const admin = await RingKvClient.connect({ routers: [cluster.routerAddress] });
    clients.push(admin);

    // Keys whose owner changes: first when shard-4 joins, then when shard-1 leaves.
    const map = await admin.admin.clusterMap();
    const members = map.members.map((m) => ({ id: m.id, weight: m.weight }));
    const before = ringOf(map);
    const afterAdd = new Ring([...members, { id: 'shard-4', weight: 1 }], map.vnodesPerWeight);
    const afterRemove = new Ring([...members.filter((m) => m.id !== 'shard-1'), { id: 'shard-4', weight: 1 }], map.vnodesPerWeight);
    const moveOnAdd: string[] = [];
    const moveOnRemove: string[] = [];
    for (let i = 0; moveOnAdd.length < KEYS_PER_CHANGE || moveOnRemove.length < KEYS_PER_CHANGE; i++) {
      const key = `lin/${i}`;
      const h = hash32(Buffer.from(key));
      if (moveOnAdd.length < KEYS_PER_CHANGE && before.ownerOf(h) !== afterAdd.ownerOf(h)) moveOnAdd.push(key);
      else if (moveOnRemove.length < KEYS_PER_CHANGE && afterAdd.ownerOf(h) === 'shard-1' && afterAdd.ownerOf(h) !== afterRemove.ownerOf(h)) moveOnRemove.push(key);
    }
    const keys = [...moveOnAdd, ...moveOnRemove];
    const owners = (ring: Ring) => keys.map((k) => ring.ownerOf(hash32(Buffer.from(k))));
    expect(owners(before).filter((o, i) => o !== owners(afterAdd)[i]).length).toBeGreaterThanOrEqual(KEYS_PER_CHANGE);

    // Filler data, so that the throttled migration takes a while.
    const filler = Array.from({ length: FILLER_KEYS / 500 }, (_, b) => Array.from({ length: 500 }, (_, i) => ({ key: `fill/${b * 500 + i}`, value: FILLER_VALUE })));
    await mapLimit(filler, 4, (batch) => admin.batchPut(batch));

    for (let c = 0; c < CLIENTS; c++) clients.push(await RingKvClient.connect({ routers: [cluster.routerAddress], timeoutMs: OP_TIMEOUT_MS }));
    const t0 = performance.now();
    const run = new RegisterRun({ clients: clients.slice(1), keys, seed: 0x1234567, maxOps: MAX_OPS, maxRunMs: MAX_RUN_MS });
    const { history, errorSamples } = run;

    // Membership changes while the clients run.
    const phases: Array<{ name: string; start: number; end: number; arcs: number; estimatedKeys: bigint }> = [];
    try {
      await sleep(1_000);
      let start = performance.now();
      const add = await addShard(admin, cluster.routerAddress, 'shard-4', extra.address);
      await waitForMigrations(admin, 60_000);
      phases.push({ name: 'add shard-4', start, end: performance.now(), arcs: add.arcs, estimatedKeys: add.estimatedKeys });
      await sleep(500);
      start = performance.now();
      const remove = await removeShard(admin, cluster.routerAddress, 'shard-1');
      const final = await waitForMigrations(admin, 60_000);
      phases.push({ name: 'remove shard-1', start, end: performance.now(), arcs: remove.arcs, estimatedKeys: remove.estimatedKeys });
      expect(final.members.map((m) => m.id).sort()).toEqual(['shard-2', 'shard-3', 'shard-4']);
      await sleep(1_000);
    } finally {
      await run.stop();
    }
    const runMs = performance.now() - t0;
    expect(history.pending).toBe(0);

    const ops = history.operations();
    const checkStarted = performance.now();
    const result = checkHistory(ops);
    const checkMs = performance.now() - checkStarted;

    // Summary.
    const perKind = new Map<string, number>();
    for (const o of ops) {
      const k = `${o.op.kind}:${o.outcome === 'ok' ? o.result!.kind : o.outcome}`;
      perKind.set(k, (perKind.get(k) ?? 0) + 1);
    }
    const during = phases.map((ph) => {
      const n = ops.filter((o) => o.start >= ph.start && o.start <= ph.end);
      return { ...ph, ops: n.length, ms: Math.round(ph.end - ph.start) };
    });
    const lines = [
      `linearizability: ${ops.length} ops by ${CLIENTS} clients on ${keys.length} keys in ${(runMs / 1000).toFixed(1)} s; checked in ${checkMs.toFixed(0)} ms`,
      `  per key: ${result.keys.map((k) => `${k.key}=${k.ops}${k.unknownOutcome ? ` (${k.unknownOutcome} unknown)` : ''}`).join(', ')}`,
      `  outcomes: ${[...perKind].sort().map(([k, n]) => `${k}=${n}`).join(', ')}`,
      `  errors: ${run.errorSummary()}`,
      ...[...errorSamples].map(([k, m]) => `    first ${k}: ${m}`),
      ...during.map((d) => `  ${d.name}: ${d.ms} ms, ${d.arcs} arcs, ~${d.estimatedKeys} keys planned, ${d.ops} client ops during it`),
      `  verdict: ${result.ok ? 'linearizable' : `${result.violations.length} violation(s), ${result.unknown.length} undecided`}`,
    ];
    console.log(lines.join('\n'));
    for (const v of result.violations) console.log(v.explanation);

    expect(result.violations.map((v) => v.explanation)).toEqual([]);
    expect(result.unknown.map((u) => u.key)).toEqual([]);
    // The history is only worth something if it overlapped the migrations.
    for (const d of during) expect(d.ops, `client ops during ${d.name}`).toBeGreaterThan(100);
    expect(ops.length).toBeGreaterThan(1_000);
    // Every kind of operation was exercised, CAS both ways.
    for (const kind of ['read:read', 'write:written', 'cas:written', 'cas:conflict', 'delete:deleted']) expect(perKind.get(kind) ?? 0, kind).toBeGreaterThan(0);
  }, 180_000);
});
