import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newLayout, resolveLayout, type DevRequest } from '../src/mod.js';
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
    });
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
