import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient, type Lock } from '@ringkv/client';
import { StorageNode } from '@ringkv/node';
import { Router } from '@ringkv/router';
import type { ServiceError } from '@grpc/grpc-js';
import { CODE_METADATA_KEY, type PipelineFrame } from '@ringkv/core';
import { checkHealth } from '../helpers/health.js';
import { arbitraries, type Known, type Req } from './fuzz-arbitraries.js';
import { codesOf, isDocumentedCode, pipeline, rawClients, serverStream, unary, unaryBytes, type Outcome, type RawClients } from './raw-grpc.js';

process.env.RINGKV_LOG_LEVEL ??= 'silent';

/**
 * Property-based fuzzing of every RPC of KV, Admin and Node with malformed, empty, oversized and
 * boundary input, through raw gRPC (no SDK validation). Every reply must be OK or carry a
 * documented ringkv code other than INTERNAL (INTERNAL means a bug); afterwards every server is
 * still SERVING and the known data set (keys with their versions, a held lock, a queue) and the
 * cluster map are exactly as before. Small size limits make the boundaries cheap to hit.
 */
const LIMITS = { maxKeyBytes: 64, maxValueBytes: 1024 };
const SEED = Number(process.env.RINGKV_FUZZ_SEED ?? Date.now() % 1_000_000);

describe(`fuzzing every RPC with malformed input (seed ${SEED})`, () => {
  let root = '';
  const nodes: StorageNode[] = [];
  let router: Router;
  let client: RingKvClient;
  let raw: RawClients;
  let known: Known;
  let knownLock: Lock;
  let A: ReturnType<typeof arbitraries>;
  /** rpc -> code -> count, printed at the end. */
  const tally = new Map<string, Map<string, number>>();

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ringkv-fuzz-'));
    for (let i = 1; i <= 3; i++) {
      nodes.push(await StorageNode.start({ id: `shard-${i}`, listen: '127.0.0.1:0', dataDir: join(root, `shard-${i}`), limits: LIMITS }));
    }
    router = await Router.start({
      listen: '127.0.0.1:0', dataDir: join(root, 'router'), limits: LIMITS,
      shards: nodes.map((n) => ({ id: n.id, address: n.address })),
    });
    client = await RingKvClient.connect({ routers: [router.address] });
    const keys = new Map<string, bigint>();
    await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const key = `known:${i}`;
      keys.set(key, await client.put(key, `value-${i}`));
    }));
    knownLock = await client.lock('known-lock', { ttlMs: 3_600_000, owner: 'fuzz-setup' });
    const q = client.queue('known-queue');
    for (let i = 0; i < 3; i++) await q.push(`message-${i}`);
    const map = router.topology.map;
    known = {
      keys, lock: { name: 'known-lock', token: knownLock.token }, queue: 'known-queue',
      shardIds: nodes.map((n) => n.id), nodeAddresses: nodes.map((n) => n.address), routerAddress: router.address,
      clusterId: map.clusterId, epoch: map.epoch, ...LIMITS,
    };
    A = arbitraries(known);
    raw = rawClients(router.address, nodes[0]!.address);
  });

  afterAll(async () => {
    raw?.close();
    await client?.close();
    await router?.close();
    await Promise.all(nodes.map((n) => n.close()));
    await rm(root, { recursive: true, force: true });
    const lines = [...tally].map(([rpc, codes]) => `  ${rpc}: ${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}`);
    process.stdout.write(`fuzz outcomes (seed ${SEED}):\n${lines.join('\n')}\n`);
  });

  /** Records the outcome's codes; throws (failing the property) on an undocumented or INTERNAL one. */
  function check(rpc: string, outcome: Outcome, input: unknown): void {
    const codes = codesOf(outcome);
    const t = tally.get(rpc) ?? new Map<string, number>();
    tally.set(rpc, t);
    for (const code of codes.length > 0 ? codes : ['OK']) t.set(code, (t.get(code) ?? 0) + 1);
    const bad = codes.filter((c) => !isDocumentedCode(c));
    if (bad.length > 0) {
      const detail = outcome.ok ? JSON.stringify(outcome.reply, bigintSafe).slice(0, 600) : outcome.details;
      throw new Error(`${rpc} answered ${bad.join(', ')}: ${detail}\ninput: ${JSON.stringify(input, bigintSafe).slice(0, 600)}`);
    }
  }

  const run = <T>(arb: fc.Arbitrary<T>, numRuns: number, body: (input: T) => Promise<void>) =>
    fc.assert(fc.asyncProperty(arb, body), { numRuns, seed: SEED, endOnFailure: true });

  it('KV.Execute: batches of malformed and boundary ops', async () => {
    await run(A.ops, 150, async (ops) => check('KV.Execute', await unary(raw.kv, 'Execute', { ops }), ops));
    const tooMany = { ops: Array.from({ length: 10_001 }, () => ({ get: { key: Buffer.from('fz:x') } })) };
    const outcome = await unary(raw.kv, 'Execute', tooMany);
    check('KV.Execute', outcome, 'ops: 10,001');
    expect(outcome.ok ? '' : outcome.ringkvCode).toBe('INVALID_ARGUMENT');
  });

  it('KV.Pipeline: frames with any ids, epochs and ops', async () => {
    const frames = fc.array(fc.record({ id: A.u32, ops: A.ops, epoch: A.u64 }), { maxLength: 6 });
    await run(frames, 60, async (fs) => {
      const { replies, end } = await pipeline(() => raw.kv.pipeline(), fs as unknown as PipelineFrame[]);
      check('KV.Pipeline', end, fs);
      for (const r of replies) check('KV.Pipeline', { ok: true, reply: r }, fs);
      if (end.ok) expect(replies.length).toBe(fs.length);
    });
  });

  it('KV.Scan: bogus cursors, prefixes and limits', async () => {
    const req = fc.record({ cursor: A.cursor, prefix: fc.oneof(A.bytes(8), fc.constant(Buffer.from('known:'))), limit: A.u32 });
    await run(req, 80, async (r) => check('KV.Scan', await unary(raw.kv, 'Scan', r), r));
  });

  it('Admin: status, cluster map, and membership changes that must be refused (or are dry runs)', async () => {
    const members = new Set(known.shardIds);
    const change = fc.oneof(
      fc.record({ method: fc.constant('AddShard'), id: A.shardId, address: A.address, weight: A.weight, dryRun: fc.boolean() }),
      // A real removal or reweighting of a member would succeed: those are dry runs only.
      fc.record({ method: fc.constant('RemoveShard'), id: A.shardId, dryRun: fc.boolean() })
        .map((r) => ({ ...r, dryRun: r.dryRun || members.has(r.id) })),
      fc.record({ method: fc.constant('SetWeight'), id: A.shardId, weight: A.weight, dryRun: fc.boolean() })
        .map((r) => ({ ...r, dryRun: r.dryRun || (members.has(r.id) && r.weight > 0 && r.weight <= 1000) })),
      fc.record({ method: fc.constant('Rebalance'), dryRun: fc.boolean() }),
      fc.record({ method: fc.constantFrom('Status', 'GetClusterMap'), withoutCounts: fc.boolean() }),
    );
    await run(change, 120, async ({ method, ...req }) => {
      const outcome = await unary(raw.admin, method, req);
      check(`Admin.${method}`, outcome, req);
      if (outcome.ok && (outcome.reply as { committed?: boolean }).committed) {
        throw new Error(`Admin.${method} committed a change: ${JSON.stringify(req)}`);
      }
    });
  });

  it('Node.Execute, Node.Pipeline, Node.Scan: any epoch, malformed ops', async () => {
    await run(fc.record({ epoch: A.u64, ops: A.ops }), 100, async (r) => check('Node.Execute', await unary(raw.node, 'Execute', r), r));
    const frames = fc.array(fc.record({ id: A.u32, ops: A.ops, epoch: A.u64 }), { maxLength: 4 });
    await run(frames, 40, async (fs) => {
      const { replies, end } = await pipeline(() => raw.node.pipeline(), fs as unknown as PipelineFrame[]);
      check('Node.Pipeline', end, fs);
      for (const r of replies) check('Node.Pipeline', { ok: true, reply: r }, fs);
    });
    const scan = fc.record({ epoch: A.u64, after: A.bytes(12), prefix: A.bytes(4), limit: A.u32, maxExamined: A.u32 });
    await run(scan, 60, async (r) => check('Node.Scan', await unary(raw.node, 'Scan', r), r));
  });

  it('Node.UpdateClusterMap: maps from another cluster, older epochs, malformed members and migrations', async () => {
    await run(A.clusterMap, 120, async (m) => {
      const outcome = await unary(raw.node, 'UpdateClusterMap', m);
      check('Node.UpdateClusterMap', outcome, m);
      expect(nodes[0]!.engine.epoch, `a fuzzed map was installed: ${JSON.stringify(m, bigintSafe).slice(0, 300)}`).toBe(known.epoch);
    });
  });

  it('Node migration RPCs for arcs that are not migrating; Stats, GetClusterMap, EstimateArcs', async () => {
    const arcs = fc.array(A.arcRange, { maxLength: 4 });
    const record = fc.record({ key: fc.oneof(A.bytes(70), fc.constant(Buffer.from('known:1'))), record: A.bytes(30) });
    const req = fc.oneof(
      fc.record({ method: fc.constant('Ingest'), epoch: A.u64, from: A.shardId, records: fc.array(record, { maxLength: 5 }) }),
      fc.record({ method: fc.constant('FinishHandoff'), epoch: A.u64, arcs }),
      fc.record({ method: fc.constant('EstimateArcs'), arcs }),
      fc.record({ method: fc.constantFrom('Stats', 'GetClusterMap') }),
      fc.record({
        method: fc.constant('MigrateArc'), epoch: A.u64, start: A.u32, end: A.u32, targetId: A.shardId, targetAddress: A.address,
        rateBytesPerSec: A.u64, moreArcs: arcs,
      }),
    );
    await run(req, 120, async ({ method, ...r }) => {
      const outcome = method === 'MigrateArc' ? await serverStream(raw.node, method, r) : await unary(raw.node, method, r);
      check(`Node.${method}`, outcome, r);
      if (method === 'Ingest' || method === 'FinishHandoff' || method === 'MigrateArc') {
        // Nothing migrates: every one of these must be refused (an empty ingest or hand-off is a no-op).
        const empty = (method === 'Ingest' && (r as { records: unknown[] }).records.length === 0)
          || (method === 'FinishHandoff' && (r as { arcs: unknown[] }).arcs.length === 0);
        if (!empty) expect(outcome.ok, `Node.${method} accepted ${JSON.stringify(r, bigintSafe).slice(0, 300)}`).toBe(false);
      }
    });
  });

  it('garbage bytes as any request message: INVALID_ARGUMENT, never INTERNAL', async () => {
    const methods = [
      '/ringkv.v1.KV/Execute', '/ringkv.v1.KV/Scan', '/ringkv.v1.Admin/Status', '/ringkv.v1.Admin/AddShard',
      '/ringkv.v1.Admin/SetWeight', '/ringkv.v1.Admin/RemoveShard',
    ];
    const nodeMethods = ['/ringkv.v1.Node/Execute', '/ringkv.v1.Node/UpdateClusterMap', '/ringkv.v1.Node/Ingest', '/ringkv.v1.Node/Scan'];
    const garbage = fc.oneof(A.bytes(64), fc.constantFrom(Buffer.from([0xff]), Buffer.from([0x0a, 0x05]), Buffer.from([0x08, 0xff])));
    const nodeBytes = rawClients(nodes[0]!.address, nodes[0]!.address);
    try {
      await run(fc.tuple(fc.constantFrom(...methods, ...nodeMethods), garbage), 120, async ([path, payload]) => {
        const c = path.startsWith('/ringkv.v1.Node/') ? nodeBytes.bytes : raw.bytes;
        check(`bytes ${path}`, await unaryBytes(c, path, payload), payload.toString('hex'));
      });
      // Garbage frames on a Pipeline stream end that stream with INVALID_ARGUMENT.
      const end = await new Promise<Outcome>((resolve) => {
        const call = raw.bytes.makeBidiStreamRequest('/ringkv.v1.KV/Pipeline', (b: Buffer) => b, (b: Buffer) => b);
        call.on('data', () => undefined);
        call.on('error', (err) => resolve(codesOfError(err as ServiceError)));
        call.on('end', () => resolve({ ok: true, reply: undefined }));
        call.write(Buffer.from([0x12, 0x05, 0xff]));
        call.end();
      });
      check('bytes /ringkv.v1.KV/Pipeline', end, 'frame 1205ff');
    } finally {
      nodeBytes.close();
    }
  });

  it('afterwards: every server SERVING, the known data and the cluster map unchanged', async () => {
    for (const address of [router.address, ...nodes.map((n) => n.address)]) {
      expect(await checkHealth(address, '', 2_000), address).toBe('SERVING');
    }
    const entries = await Promise.all([...known.keys.keys()].map((k) => client.getEntry(k)));
    const changed = [...known.keys].filter(([k, v], i) => entries[i]?.version !== v || entries[i]?.value.toString() !== `value-${k.slice(6)}`);
    expect(changed.map(([k]) => k)).toEqual([]);
    const lock = await client.lockStatus('known-lock');
    expect({ held: lock?.held, owner: lock?.owner, token: lock?.token }).toEqual({ held: true, owner: 'fuzz-setup', token: known.lock.token });
    const stats = await client.queue('known-queue').stats();
    expect({ ready: stats.ready, inFlight: stats.inFlight, deadLetters: stats.deadLetters }).toEqual({ ready: 3, inFlight: 0, deadLetters: 0 });
    const map = router.topology.map;
    expect({ epoch: map.epoch, members: map.members.map((m) => `${m.id}=${m.address}*${m.weight}`), migrations: map.migrations.length })
      .toEqual({ epoch: known.epoch, members: known.shardIds.map((id, i) => `${id}=${known.nodeAddresses[i]}*1`), migrations: 0 });
    for (const n of nodes) expect(n.engine.epoch).toBe(known.epoch);
  });
});

function codesOfError(err: ServiceError): Outcome {
  const sent = err.metadata?.get(CODE_METADATA_KEY)[0];
  return { ok: false, grpcCode: err.code, ringkvCode: typeof sent === 'string' ? sent : undefined, details: err.details };
}

function bigintSafe(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer') return `<${((v as { data: number[] }).data).length} bytes>`;
  return v;
}
