import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Metadata, credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import {
  KvService, LOG_LEVEL_ENV, REQUEST_ID_HEADER, createLogger,
  type ExecuteResponse__Output, type KVClient, type Op, type PipelineReply__Output, type ScanResponse__Output,
} from '@ringkv/core';
import { StorageNode } from '@ringkv/node';
import { Router } from '@ringkv/router';

type Line = Record<string, unknown>;

/** A pino destination keeping each JSON line. */
function logSink() {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Line);
      cb();
    },
  });
  return { lines, stream };
}

/** Log lines naming request `id` (as `reqId`, or among a frame's `reqIds`). */
const naming = (lines: Line[], id: string) =>
  lines.filter((l) => l.reqId === id || (Array.isArray(l.reqIds) && (l.reqIds as unknown[]).includes(id)));

const put = (key: string, value: string): Op => ({ put: { key: Buffer.from(key), value: Buffer.from(value) } });
const get = (key: string): Op => ({ get: { key: Buffer.from(key) } });

describe('request ids across router and shard logs (RINGKV_LOG_LEVEL=debug, logs captured in-process)', () => {
  let root = '';
  let node: StorageNode;
  let router: Router;
  let kv: KVClient;
  const routerLog = logSink();
  const nodeLog = logSink();
  const savedLevel = process.env[LOG_LEVEL_ENV];

  beforeAll(async () => {
    // createLogger reads the level from the environment, as ringkv-node and ringkv-router do.
    process.env[LOG_LEVEL_ENV] = 'debug';
    root = await mkdtemp(join(tmpdir(), 'ringkv-reqid-'));
    node = await StorageNode.start({
      id: 'shard-1', listen: '127.0.0.1:0', dataDir: join(root, 'shard-1'),
      logger: createLogger('ringkv-node', { node: 'shard-1' }, nodeLog.stream),
    });
    router = await Router.start({
      listen: '127.0.0.1:0', dataDir: join(root, 'router'), shards: [{ id: 'shard-1', address: node.address }],
      logger: createLogger('ringkv-router', {}, routerLog.stream),
    });
    kv = new KvService(router.address, credentials.createInsecure()) as unknown as KVClient;
  });

  afterAll(async () => {
    if (savedLevel === undefined) delete process.env[LOG_LEVEL_ENV];
    else process.env[LOG_LEVEL_ENV] = savedLevel;
    kv?.close();
    await router?.close();
    await node?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('the level comes from RINGKV_LOG_LEVEL', () => {
    expect(createLogger('x').level).toBe('debug');
    expect(routerLog.lines.some((l) => l.msg === 'router listening')).toBe(true);
  });

  it("an Execute call's x-request-id is in the router's line and the shard's frame line", async () => {
    const md = new Metadata();
    md.set(REQUEST_ID_HEADER, 'it-exec-1');
    const res = await new Promise<ExecuteResponse__Output>((resolve, reject) =>
      kv.Execute({ ops: [put('a', '1'), get('a')] }, md, (err, r) => (err || !r ? reject(err) : resolve(r))));
    expect(res.results.map((r) => r.errorCode)).toEqual(['', '']);
    const r = naming(routerLog.lines, 'it-exec-1');
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ level: 20, name: 'ringkv-router', call: 'Execute', ops: 2, codes: { OK: 2 }, msg: 'request' });
    const n = naming(nodeLog.lines, 'it-exec-1');
    expect(n.length).toBeGreaterThanOrEqual(1);
    expect(n[0]).toMatchObject({ level: 20, name: 'ringkv-node', node: 'shard-1', call: 'Pipeline', msg: 'request' });
  });

  it("a Pipeline frame's request id, and a generated one when the frame has none, reach the shard", async () => {
    const stream = kv.Pipeline();
    const replies = new Map<number, PipelineReply__Output>();
    const arrived = new Promise<void>((resolve) => {
      stream.on('data', (r: PipelineReply__Output) => {
        replies.set(r.id, r);
        if (replies.size === 2) resolve();
      });
    });
    stream.write({ id: 1, ops: [put('b', '2')], requestIds: ['it-frame-2'] });
    stream.write({ id: 2, ops: [get('b')] });
    await arrived;
    stream.end();
    expect(replies.get(1)!.results[0]!.errorCode).toBe('');
    expect(naming(routerLog.lines, 'it-frame-2')).toEqual([expect.objectContaining({ call: 'Pipeline', ops: 1 })]);
    expect(naming(nodeLog.lines, 'it-frame-2').length).toBeGreaterThanOrEqual(1);
    // The frame without an id got one from the router, and the shard logged the same one.
    const generated = routerLog.lines.filter((l) => l.call === 'Pipeline' && l.reqId !== 'it-frame-2').map((l) => l.reqId as string);
    expect(generated).toHaveLength(1);
    expect(generated[0]).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    expect(naming(nodeLog.lines, generated[0]!).length).toBeGreaterThanOrEqual(1);
  });

  it('scans and blocking pops (unary calls to the shard) carry the id as metadata', async () => {
    const md = new Metadata();
    md.set(REQUEST_ID_HEADER, 'it-scan-3');
    await new Promise<ScanResponse__Output>((resolve, reject) =>
      kv.Scan({ limit: 10 }, md, (err, r) => (err || !r ? reject(err) : resolve(r))));
    expect(naming(routerLog.lines, 'it-scan-3')).toEqual([expect.objectContaining({ call: 'Scan' })]);
    expect(naming(nodeLog.lines, 'it-scan-3')).toEqual([expect.objectContaining({ call: 'Scan', name: 'ringkv-node' })]);

    const pop = new Metadata();
    pop.set(REQUEST_ID_HEADER, 'it-pop-4');
    const res = await new Promise<ExecuteResponse__Output>((resolve, reject) =>
      kv.Execute({ ops: [{ queue: { name: 'jobs', action: 'POP', waitMs: 20, visibilityTimeoutMs: 1_000 } }] }, pop,
        (err, r) => (err || !r ? reject(err) : resolve(r))));
    expect(res.results[0]).toMatchObject({ errorCode: '', found: false });
    expect(naming(nodeLog.lines, 'it-pop-4')).toEqual([expect.objectContaining({ call: 'Execute', ops: 1 })]);
  });

  it('the SDK (no id of its own) gets one per frame, followed from router to shard', async () => {
    const client = await RingKvClient.connect({ routers: [router.address] });
    try {
      const before = routerLog.lines.length;
      await client.put('sdk-key', 'v');
      const line = routerLog.lines.slice(before).find((l) => l.call === 'Pipeline' && l.ops === 1);
      expect(line).toBeDefined();
      expect(naming(nodeLog.lines, line!.reqId as string).length).toBeGreaterThanOrEqual(1);
    } finally {
      await client.close();
    }
  });
});
