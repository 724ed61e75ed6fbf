import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, RingKvClient, RingKvError } from '@ringkv/client';
import { StorageNode } from '@ringkv/node';
import { Router } from '@ringkv/router';
import { scrape, type Metrics } from './scrape.js';
import { waitForMigrations } from '../helpers/membership.js';

process.env.RINGKV_LOG_LEVEL ??= 'warn';

const sum = (ms: Metrics[], name: string, labels: Record<string, string> = {}) => ms.reduce((a, m) => a + m.sum(name, labels), 0);

describe('/metrics on a router and its shards (in-process, metrics on port 0)', () => {
  let root = '';
  const nodes: StorageNode[] = [];
  let router: Router;
  let client: RingKvClient;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ringkv-metrics-'));
    for (const id of ['shard-1', 'shard-2']) {
      nodes.push(await StorageNode.start({ id, listen: '127.0.0.1:0', dataDir: join(root, id), metrics: '127.0.0.1:0' }));
    }
    router = await Router.start({
      listen: '127.0.0.1:0',
      dataDir: join(root, 'router'),
      shards: nodes.map((n) => ({ id: n.id, address: n.address })),
      metrics: '127.0.0.1:0',
      // Slow enough that a scrape right after `addShard` sees the change running (about 1 s).
      migrationRateBytesPerSec: 10_000,
    });
    client = await RingKvClient.connect({ routers: [router.address] });
  });

  afterAll(async () => {
    await client?.close();
    await router?.close();
    await Promise.all(nodes.map((n) => n.close()));
    await rm(root, { recursive: true, force: true });
  });

  it('counts requests by op and code on both sides, with latency, gauges and process metrics', async () => {
    expect(router.metricsAddress).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    const value = Buffer.alloc(1_000, 'v');
    const versions = await Promise.all(Array.from({ length: 40 }, (_, i) => client.put(`k${i}`, value)));
    for (let i = 0; i < 5; i++) expect((await client.get(`k${i}`))?.length).toBe(1_000);
    expect(await client.get('absent')).toBeUndefined();
    const conflict = await client.put('k0', 'x', { ifVersion: versions[0]! + 1n }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(RingKvError);
    expect((conflict as RingKvError).code).toBe(ErrorCode.CONFLICT);
    const lock = await client.lock('metrics-lock', { ttlMs: 10_000 });
    await lock.release();
    let scanned = 0;
    for await (const _ of client.scan({ prefix: 'k1' })) scanned++;
    expect(scanned).toBe(11); // k1, k10..k19

    const r = await scrape(router.metricsAddress!);
    expect(r.sum('ringkv_router_requests_total', { op: 'put', code: 'OK' })).toBe(40);
    expect(r.sum('ringkv_router_requests_total', { op: 'put', code: 'CONFLICT' })).toBe(1);
    expect(r.sum('ringkv_router_requests_total', { op: 'get', code: 'OK' })).toBe(6); // a miss is found=false, not an error
    expect(r.sum('ringkv_router_requests_total', { op: 'lock', code: 'OK' })).toBe(2); // acquire, release
    expect(r.sum('ringkv_router_requests_total', { op: 'scan', code: 'OK' })).toBeGreaterThanOrEqual(1);
    expect(r.sum('ringkv_router_request_duration_seconds_count', { op: 'put' })).toBe(41);
    expect(r.sum('ringkv_router_request_duration_seconds_bucket', { op: 'put', le: '+Inf' })).toBe(41);
    expect(r.sum('ringkv_router_request_duration_seconds_sum', { op: 'put' })).toBeGreaterThan(0);
    expect(r.sum('ringkv_router_epoch')).toBe(1);
    expect(r.labelValues('ringkv_router_shard_queued_ops', 'shard')).toEqual(['shard-1', 'shard-2']);
    expect(r.has('ringkv_router_shard_frames_in_flight', { shard: 'shard-1' })).toBe(true);
    expect(r.sum('ringkv_router_pipeline_streams')).toBeGreaterThanOrEqual(1);
    expect(r.sum('ringkv_router_migration_running')).toBe(0);
    expect(r.has('process_cpu_seconds_total')).toBe(true);
    expect(r.has('process_resident_memory_bytes')).toBe(true);
    expect(r.has('nodejs_heap_size_used_bytes')).toBe(true);

    const n = await Promise.all(nodes.map((x) => scrape(x.metricsAddress!)));
    expect(n.map((m) => m.labelValues('ringkv_node_epoch', 'shard'))).toEqual([['shard-1'], ['shard-2']]);
    expect(sum(n, 'ringkv_node_ops_total', { op: 'put', code: 'OK' })).toBe(40);
    expect(sum(n, 'ringkv_node_ops_total', { op: 'put', code: 'CONFLICT' })).toBe(1);
    expect(sum(n, 'ringkv_node_ops_total', { op: 'get', code: 'OK' })).toBe(6);
    expect(sum(n, 'ringkv_node_ops_total', { op: 'lock', code: 'OK' })).toBe(2);
    expect(sum(n, 'ringkv_node_ops_total', { op: 'scan', code: 'OK' })).toBeGreaterThanOrEqual(2); // one page per shard at least
    expect(sum(n, 'ringkv_node_op_duration_seconds_count', { op: 'put' })).toBe(41);
    // Both shards took keys; the lock's record is not a user key (status and scans skip it).
    expect(n.every((m) => m.sum('ringkv_node_keys') > 0)).toBe(true);
    expect(sum(n, 'ringkv_node_keys')).toBe(40);
    expect(sum(n, 'ringkv_node_bytes')).toBeGreaterThan(40_000);
    expect(sum(n, 'ringkv_node_epoch')).toBe(2);
    expect(sum(n, 'ringkv_node_write_queue_depth')).toBe(0);
    expect(sum(n, 'ringkv_node_pipeline_streams')).toBe(2);
    expect(n.every((m) => m.has('process_cpu_seconds_total') && m.has('nodejs_eventloop_lag_seconds'))).toBe(true);
  });

  it('shows a membership change on the router and what the shards sent and ingested', async () => {
    const node3 = await StorageNode.start({ id: 'shard-3', listen: '127.0.0.1:0', dataDir: join(root, 'shard-3'), metrics: '127.0.0.1:0' });
    nodes.push(node3);
    await client.admin.addShard('shard-3', node3.address);
    const during = await scrape(router.metricsAddress!);
    expect(during.sum('ringkv_router_migration_running')).toBe(1);
    expect(during.sum('ringkv_router_migration_arcs')).toBeGreaterThan(0);
    expect(during.sum('ringkv_router_migration_arcs', { state: 'done' })).toBeLessThan(during.sum('ringkv_router_migration_arcs'));
    expect(during.sum('ringkv_router_migration_estimated_keys')).toBeGreaterThan(0);
    expect(during.labelValues('ringkv_router_shard_queued_ops', 'shard')).toEqual(['shard-1', 'shard-2', 'shard-3']);

    await waitForMigrations(client, 30_000);
    const after = await scrape(router.metricsAddress!);
    expect(after.sum('ringkv_router_migration_running')).toBe(0);
    expect(after.sum('ringkv_router_migration_arcs')).toBe(0);
    expect(after.sum('ringkv_router_epoch')).toBeGreaterThan(1);
    const n = await Promise.all(nodes.map((x) => scrape(x.metricsAddress!)));
    const sent = sum(n.slice(0, 2), 'ringkv_node_migration_sent_keys_total');
    expect(sent).toBeGreaterThan(0);
    // 1 KB values, but the lock's record may be among them.
    expect(sum(n.slice(0, 2), 'ringkv_node_migration_sent_bytes_total')).toBeGreaterThan((sent - 1) * 1_000);
    expect(n[2]!.sum('ringkv_node_migration_ingested_keys_total') + n[2]!.sum('ringkv_node_migration_skipped_keys_total'))
      .toBe(sent + sum(n.slice(0, 2), 'ringkv_node_migration_forwarded_keys_total'));
    expect(n[2]!.sum('ringkv_node_keys')).toBeGreaterThan(0);
  });
});
