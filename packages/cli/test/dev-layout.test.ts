import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newLayout, resolveLayout, type DevRequest } from '../src/mod.js';
import { layoutRouters } from '../src/dev-layout.js';
import { saveLayout } from '../src/internal-mod.js';

const req = (over: Partial<DevRequest> = {}): DevRequest => ({
  shards: 3,
  port: 7400,
  host: '127.0.0.1',
  explicit: { shards: false, port: false, host: false },
  ...over,
});

describe('dev layout', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'ringkv-dev-layout-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('numbers shards after the router port', () => {
    expect(newLayout(req({ shards: 2, port: 9000 }))).toEqual({
      version: 1,
      host: '127.0.0.1',
      routerPort: 9000,
      shards: [
        { id: 'shard-1', port: 9001 },
        { id: 'shard-2', port: 9002 },
      ],
      routers: [{ id: 'router', port: 9000 }],
    });
  });

  it('puts the other routers after the shards, then etcd, and names routers router-N when there are several or etcd', () => {
    const l = newLayout(req({ shards: 3, port: 9000, routers: 2, etcd: true }));
    expect(l.routers).toEqual([{ id: 'router-1', port: 9000 }, { id: 'router-2', port: 9004 }]);
    expect(l.shards.map((s) => s.port)).toEqual([9001, 9002, 9003]);
    expect(l.etcd).toEqual({ clientPort: 9005, peerPort: 9006 });
    expect(newLayout(req({ routers: 3 })).routers!.map((r) => r.id)).toEqual(['router-1', 'router-2', 'router-3']);
    expect(newLayout(req({ etcd: true })).routers).toEqual([{ id: 'router-1', port: 7400 }]);
    expect(() => newLayout(req({ routers: 0 }))).toThrow(/--routers/);
    expect(() => newLayout(req({ port: 65530, routers: 2, etcd: true }))).toThrow(/--port 65530: the cluster needs ports 65530\.\.65536/);
  });

  it('reads a layout from before --routers as one router named router, without etcd', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'dev.json'), JSON.stringify({ version: 1, host: '127.0.0.1', routerPort: 7400, shards: [{ id: 'shard-1', port: 7401 }] }));
    const { layout } = resolveLayout(dir, req());
    expect(layoutRouters(layout)).toEqual([{ id: 'router', port: 7400 }]);
    expect(layout.etcd).toBeUndefined();
  });

  it('keeps the saved routers and control plane, warning about --routers and --etcd that differ', () => {
    const dir = tmp();
    saveLayout(dir, newLayout(req()));
    const r = resolveLayout(dir, req({ routers: 2, etcd: true, explicit: { shards: false, port: false, host: false, routers: true, etcd: true } }));
    expect(layoutRouters(r.layout)).toHaveLength(1);
    expect(r.layout.etcd).toBeUndefined();
    expect(r.warnings.join('\n')).toMatch(/--routers 2 ignored: this data dir has 1 router,/);
    expect(r.warnings.join('\n')).toMatch(/--etcd ignored/);
  });

  it('rejects impossible layouts', () => {
    expect(() => newLayout(req({ shards: 0 }))).toThrow(/--shards/);
    expect(() => newLayout(req({ port: 65535 }))).toThrow(/--port/);
    expect(() => newLayout(req({ host: 'bad host' }))).toThrow(/--host/);
  });

  it('keeps the saved layout on restart and warns about explicit flags that differ', () => {
    const dir = tmp();
    const first = resolveLayout(dir, req());
    expect(first.existing).toBe(false);
    saveLayout(dir, first.layout);
    const quiet = resolveLayout(dir, req({ shards: 5 }));
    expect(quiet.layout).toEqual(first.layout);
    expect(quiet.warnings).toEqual([]);
    const loud = resolveLayout(dir, req({ shards: 5, explicit: { shards: true, port: false, host: false } }));
    expect(loud.existing).toBe(true);
    expect(loud.layout.shards).toHaveLength(3);
    expect(loud.warnings.join()).toMatch(/--shards 5 ignored/);
  });

  it('refuses a corrupt layout file', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'dev.json'), '{"version":7}');
    expect(() => resolveLayout(dir, req())).toThrow(/not a ringkv dev layout/);
  });
});
