import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorMarker } from '../src/coordinator-marker.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('CoordinatorMarker', () => {
  it('takes claims made at the same moment one after another: none fails, the last one stands', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringkv-marker-'));
    dirs.push(dir);
    const marker = new CoordinatorMarker(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => marker.set({ clusterId: 'c', baseEpoch: String(i) })));
    expect(await marker.load()).toEqual({ clusterId: 'c', baseEpoch: '19' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('applies a clear and a set in the order they were called', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringkv-marker-'));
    dirs.push(dir);
    const marker = new CoordinatorMarker(dir);
    await Promise.all([marker.set({ clusterId: 'c', baseEpoch: '1' }), marker.clear(), marker.set({ clusterId: 'c', baseEpoch: '2' })]);
    expect(await marker.load()).toEqual({ clusterId: 'c', baseEpoch: '2' });
    await Promise.all([marker.set({ clusterId: 'c', baseEpoch: '3' }), marker.clear()]);
    expect(await marker.load()).toBeUndefined();
  });
});
