import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { Counter } from 'prom-client';
import { ErrorCode, MetricsServer, OpMetrics, RingKvError, codeLabel, createMetricsRegistry, opKindOf } from '@ringkv/core';

function httpGet(address: string, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('createMetricsRegistry', () => {
  it('holds the process metrics and the default labels, apart from other registries', async () => {
    const a = createMetricsRegistry({ shard: 'a' });
    const b = createMetricsRegistry({ shard: 'b' });
    new Counter({ name: 'ringkv_test_total', help: 'x', registers: [a] }).inc(3);
    // The same name in another registry does not collide (prom-client's global one would throw).
    new Counter({ name: 'ringkv_test_total', help: 'x', registers: [b] }).inc(1);
    const text = await a.metrics();
    expect(text).toMatch(/^process_cpu_seconds_total\{shard="a"\} /m);
    expect(text).toMatch(/^process_resident_memory_bytes\{shard="a"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{shard="a"\} /m);
    expect(text).toMatch(/^ringkv_test_total\{shard="a"\} 3$/m);
    expect(await b.metrics()).toMatch(/^ringkv_test_total\{shard="b"\} 1$/m);
  });
});

describe('OpMetrics', () => {
  it('counts by op and code and observes latency by op', async () => {
    const registry = createMetricsRegistry();
    const m = new OpMetrics(registry, { total: 'ringkv_t_ops_total', totalHelp: 'h', duration: 'ringkv_t_op_duration_seconds', durationHelp: 'h' });
    m.record('put', '', 0.002);
    m.record('put', '', 0.004);
    m.record('put', ErrorCode.CONFLICT, 0.001);
    m.record('get', 'NOT_A_CODE', 0.0001);
    const text = await registry.metrics();
    expect(text).toMatch(/^ringkv_t_ops_total\{op="put",code="OK"\} 2$/m);
    expect(text).toMatch(/^ringkv_t_ops_total\{op="put",code="CONFLICT"\} 1$/m);
    expect(text).toMatch(/^ringkv_t_ops_total\{op="get",code="INTERNAL"\} 1$/m);
    expect(text).toMatch(/^ringkv_t_op_duration_seconds_count\{op="put"\} 3$/m);
    expect(text).toMatch(/^ringkv_t_op_duration_seconds_bucket\{le="0.0025",op="put"\} 2$/m);
    expect(text).toMatch(/^ringkv_t_op_duration_seconds_bucket\{le="0.00025",op="get"\} 1$/m);
  });

  it('labels: op kinds and codes stay bounded', () => {
    expect(opKindOf({ op: 'lock' })).toBe('lock');
    expect(opKindOf({})).toBe('invalid');
    expect(codeLabel('')).toBe('OK');
    expect(codeLabel(undefined)).toBe('OK');
    expect(codeLabel('WRONG_OWNER')).toBe('WRONG_OWNER');
    expect(codeLabel('something else')).toBe('INTERNAL');
  });
});

describe('MetricsServer', () => {
  it('serves the registry on GET /metrics in the Prometheus text format, 404 elsewhere, 405 for other methods', async () => {
    const registry = createMetricsRegistry();
    new Counter({ name: 'ringkv_scraped_total', help: 'x', registers: [registry] }).inc(7);
    const server = await MetricsServer.start('127.0.0.1:0', registry);
    servers.push(server);
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.address.endsWith(':0')).toBe(false);
    const ok = await httpGet(server.address, '/metrics');
    expect(ok.status).toBe(200);
    expect(ok.type).toContain('text/plain');
    expect(ok.body).toMatch(/^# TYPE ringkv_scraped_total counter$/m);
    expect(ok.body).toMatch(/^ringkv_scraped_total 7$/m);
    expect(ok.body).toMatch(/^process_cpu_seconds_total /m);
    expect((await httpGet(server.address, '/metrics?x=1')).status).toBe(200);
    expect((await httpGet(server.address, '/')).status).toBe(404);
    expect((await httpGet(server.address, '/metricsx')).status).toBe(404);
    expect((await httpGet(server.address, '/metrics', 'POST')).status).toBe(405);
  });

  it('answers 500 when a collector fails, and keeps serving', async () => {
    const registry = createMetricsRegistry();
    let fail = true;
    new Counter({ name: 'ringkv_flaky_total', help: 'x', registers: [registry], collect() {
      if (fail) throw new Error('boom');
    } });
    const server = await MetricsServer.start('127.0.0.1:0', registry);
    servers.push(server);
    const bad = await httpGet(server.address, '/metrics');
    expect(bad.status).toBe(500);
    expect(bad.body).toContain('boom');
    fail = false;
    expect((await httpGet(server.address, '/metrics')).status).toBe(200);
  });

  it('refuses a bad address with INVALID_ARGUMENT and a taken port with UNAVAILABLE; close frees the port', async () => {
    const registry = createMetricsRegistry();
    await expect(MetricsServer.start('nonsense', registry)).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    const first = await MetricsServer.start('127.0.0.1:0', registry);
    const err = await MetricsServer.start(first.address, registry).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RingKvError);
    expect((err as RingKvError).code).toBe(ErrorCode.UNAVAILABLE);
    await first.close();
    await first.close(); // idempotent
    await expect(httpGet(first.address, '/metrics')).rejects.toThrow(/ECONNREFUSED/);
    const again = await MetricsServer.start(first.address, registry);
    servers.push(again);
    expect((await httpGet(again.address, '/metrics')).status).toBe(200);
  });
});
