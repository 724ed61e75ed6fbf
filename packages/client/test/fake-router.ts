// A scripted in-process stand-in for a router: KV and Admin over real gRPC on 127.0.0.1,
// data in a Map, scans in ring order. Enough to test the client without the cluster.
import type { Server, ServerDuplexStream, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import {
  AdminService,
  ErrorCode,
  KvService,
  RingKvError,
  bindServer,
  createServer,
  positionOfKey,
  shutdownServer,
  toServiceError,
  type ExecuteRequest__Output,
  type ExecuteResponse,
  type Op__Output,
  type OpResult,
  type PipelineFrame__Output,
  type PipelineReply,
  type ScanRequest__Output,
  type ScanResponse,
} from '@ringkv/core';

interface Stored {
  key: Buffer;
  value: Buffer;
  version: bigint;
  expiresAtMs: number;
}

export interface FakeRouter {
  address: string;
  /** Number of batches (KV.Execute calls or Pipeline frames) and the ops in each. */
  executeBatches: number[];
  scanCalls: number;
  /** The GetOp of every get it executed, as decoded from the wire. */
  gets: Array<NonNullable<Op__Output['get']>>;
  data: Map<string, Stored>;
  /** Return a per-op error for the next matching ops (consumed one by one). */
  opErrors: Array<{ code: ErrorCode; message?: string }>;
  /** Fail whole Execute calls with this error while set. */
  callError: RingKvError | undefined;
  /** Delay every Execute reply by this many ms. */
  delayMs: number;
  /** Cap on the entries of one scan page. */
  maxPage: number;
  /** Every membership request received (RemoveShard, SetReplicationFactor), in order. */
  adminRequests: Array<{ method: string; request: unknown }>;
  /** Sets the status its grpc.health.v1 service reports (watchers are told at once). */
  setServing(status: 'SERVING' | 'NOT_SERVING'): void;
  /** Graceful shutdown (100 ms). */
  close(): Promise<void>;
  /** Drops every connection now, like a killed process. */
  kill(): void;
}

/** `port` 0 picks a free one; pass an old fake's port to bring a "router" back at its address. */
export async function startFakeRouter(port = 0): Promise<FakeRouter> {
  const { server, health } = createServer();
  let version = 0n;
  const fake: FakeRouter = {
    address: '',
    executeBatches: [],
    scanCalls: 0,
    gets: [],
    data: new Map(),
    opErrors: [],
    callError: undefined,
    delayMs: 0,
    maxPage: 10_000,
    adminRequests: [],
    setServing: (status) => health.setStatus('', status),
    close: () => shutdownServer(server, 100),
    kill: () => server.forceShutdown(),
  };

  const live = (s: Stored | undefined) => (s && (s.expiresAtMs === 0 || s.expiresAtMs > Date.now()) ? s : undefined);

  function apply(op: Op__Output): OpResult {
    const injected = fake.opErrors.shift();
    if (injected) return { errorCode: injected.code, errorMessage: injected.message ?? injected.code };
    if (op.get) {
      fake.gets.push(op.get);
      const s = live(fake.data.get(op.get.key.toString('hex')));
      return s
        ? { found: true, value: s.value, version: s.version.toString(), expiresAtMs: String(s.expiresAtMs) }
        : { found: false };
    }
    const body = op.put ?? op.delete!;
    const id = body.key.toString('hex');
    const cur = live(fake.data.get(id));
    const cond = body.condition;
    if (cond?.kind === 'ifVersion' && (!cur || cur.version.toString() !== cond.ifVersion)) {
      return { errorCode: ErrorCode.CONFLICT, errorMessage: `version is ${cur?.version ?? 'none'}` };
    }
    if (cond?.kind === 'ifAbsent' && cur) return { errorCode: ErrorCode.CONFLICT, errorMessage: 'key exists' };
    version++;
    if (op.put) {
      const ttl = Number(op.put.ttlMs);
      fake.data.set(id, { key: op.put.key, value: op.put.value, version, expiresAtMs: ttl ? Date.now() + ttl : 0 });
      return { version: version.toString() };
    }
    fake.data.delete(id);
    return { found: cur !== undefined, version: version.toString() };
  }

  server.addService(KvService.service, {
    Execute(call: ServerUnaryCall<ExecuteRequest__Output, ExecuteResponse>, cb: sendUnaryData<ExecuteResponse>) {
      fake.executeBatches.push(call.request.ops.length);
      const reply = () => {
        if (fake.callError) return cb(toServiceError(fake.callError));
        cb(null, { results: call.request.ops.map(apply) });
      };
      if (fake.delayMs > 0) setTimeout(reply, fake.delayMs);
      else reply();
    },
    // The stream transport: each frame is one batch, answered like Execute.
    Pipeline(call: ServerDuplexStream<PipelineFrame__Output, PipelineReply>) {
      call.on('data', (frame: PipelineFrame__Output) => {
        fake.executeBatches.push(frame.ops.length);
        const reply = () => {
          if (call.cancelled) return;
          if (fake.callError) {
            call.write({ id: frame.id, errorCode: fake.callError.code, errorMessage: fake.callError.message });
          } else {
            call.write({ id: frame.id, results: frame.ops.map(apply) });
          }
        };
        if (fake.delayMs > 0) setTimeout(reply, fake.delayMs);
        else reply();
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
    Scan(call: ServerUnaryCall<ScanRequest__Output, ScanResponse>, cb: sendUnaryData<ScanResponse>) {
      fake.scanCalls++;
      const { cursor, prefix } = call.request;
      const limit = Math.min(call.request.limit || 1000, fake.maxPage);
      const all = [...fake.data.values()]
        .filter((s) => live(s) && s.key.subarray(0, prefix.length).equals(prefix))
        .map((s) => ({ s, pos: positionOfKey(s.key) }))
        .filter((x) => cursor.length === 0 || Buffer.compare(x.pos, cursor) > 0)
        .sort((a, b) => Buffer.compare(a.pos, b.pos));
      const page = all.slice(0, limit);
      const done = page.length === all.length;
      cb(null, {
        entries: page.map(({ s }) => ({ key: s.key, value: s.value, version: s.version.toString(), expiresAtMs: String(s.expiresAtMs) })),
        cursor: page.length > 0 ? page[page.length - 1]!.pos : cursor,
        done,
      });
    },
  });
  server.addService(AdminService.service, {
    Status(_call: unknown, cb: sendUnaryData<unknown>) {
      cb(null, {
        clusterId: 'fake',
        epoch: '3',
        shards: [{
          id: 'shard-1', address: '127.0.0.1:1', weight: 1, state: 'active', keys: String(fake.data.size), bytes: '10', reachable: true,
          replicaState: 'in_sync',
        }],
        migrations: [],
        replicationFactor: 1,
        arcGroups: [{ replicas: ['shard-1'], primary: 'shard-1', inSync: ['shard-1'], arcs: 1, fraction: 1, underReplicated: false }],
        underReplicatedArcs: 0,
        underReplicatedFraction: 0,
      });
    },
    // Membership changes answer with a one-arc plan (a dry run is not committed).
    RemoveShard(call: ServerUnaryCall<{ id: string; dryRun: boolean }, unknown>, cb: sendUnaryData<unknown>) {
      fake.adminRequests.push({ method: 'RemoveShard', request: call.request });
      cb(null, fakePlan(!call.request.dryRun, 'shard-1', 'shard-2', ['shard-2']));
    },
    SetReplicationFactor(call: ServerUnaryCall<{ dryRun: boolean }, unknown>, cb: sendUnaryData<unknown>) {
      fake.adminRequests.push({ method: 'SetReplicationFactor', request: call.request });
      cb(null, fakePlan(!call.request.dryRun, 'shard-1', 'shard-1', ['shard-2', 'shard-3']));
    },
    GetClusterMap(_call: unknown, cb: sendUnaryData<unknown>) {
      cb(null, {
        nodeId: '',
        map: {
          clusterId: 'fake',
          epoch: '3',
          members: [{ id: 'shard-1', address: '127.0.0.1:1', weight: 1, state: 'active' }],
          vnodesPerWeight: 256,
          replicationFactor: 1,
          migrations: [],
        },
      });
    },
  });
  const bound = await bindServer(server as Server, `127.0.0.1:${port}`);
  health.setStatus('', 'SERVING');
  fake.address = `127.0.0.1:${bound}`;
  return fake;
}

function fakePlan(committed: boolean, from: string, to: string, targets: string[]): unknown {
  return {
    epoch: committed ? '4' : '3', committed, fraction: 0.5, estimatedKeys: '7', estimatedBytes: '70',
    arcs: [{ start: 10, end: 20, from, to, targets, state: 'pending', keysMoved: '0', bytesMoved: '0', estimatedKeys: '7', estimatedBytes: '70' }],
  };
}
