import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';

// The benchmark's own modules are plain ESM without types: imported by URL (typed any).
const lib = (name: string) => new URL(`../../bench/lib/${name}`, import.meta.url).href;

describe('bench/lib/proc-cpu', () => {
  it('counts the user+sys CPU of another process between start and stop', async () => {
    const { cpuMeter } = await import(lib('proc-cpu.mjs'));
    // Spins until it has used 300 ms of CPU (however loaded the machine), says so, then waits.
    const child = spawn(process.execPath, ['-e', `
      const t = process.cpuUsage();
      for (;;) { const u = process.cpuUsage(t); if (u.user + u.system >= 300_000) break; }
      process.stdout.write('done'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const meter = cpuMeter({ spinner: child.pid, self: 'self' });
      meter.start();
      await once(child.stdout, 'data');
      const us = meter.stop();
      // Ticks of 10 ms; the child's start-up before the spin counts too.
      expect(us.spinner).toBeGreaterThanOrEqual(280_000);
      expect(us.spinner).toBeLessThan(2_000_000);
      expect(us.self).toBeGreaterThanOrEqual(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('bench/lib/profile-summary', () => {
  const pkg = (name: string) => `file:///r/node_modules/.pnpm/${name}@1.0.0/node_modules/${name}/index.js`;
  const frame = (functionName: string, url = '') => ({ functionName, url, scriptId: '0', lineNumber: 9, columnNumber: 0 });
  // root -> (idle), (garbage collector), (program), _batch (classic-level) -> native binding,
  // OpResult$encode (protobufjs codegen, no script), #arrayBatch (abstract-level), a ringkv function.
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5, 7, 8, 9] },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('(garbage collector)') },
      { id: 4, callFrame: frame('(program)') },
      { id: 5, callFrame: frame('_batch', pkg('classic-level')), children: [6] },
      { id: 6, callFrame: frame('') },
      { id: 7, callFrame: frame('OpResult$encode') },
      { id: 8, callFrame: frame('#arrayBatch', pkg('abstract-level')) },
      { id: 9, callFrame: frame('applyWriteBatch', 'file:///r/packages/node/dist/write-apply.js') },
    ],
    // Sample i stands for timeDeltas[i + 1] µs (the last one for its own): idle 500, GC 100,
    // program 100, native 200, codec 50, abstract 45, ringkv 5, idle 5.
    samples: [2, 3, 4, 6, 7, 8, 9, 2],
    timeDeltas: [0, 500_000, 100_000, 100_000, 200_000, 50_000, 45_000, 5_000],
  };

  it('groups self time by package, counts native code in its caller and leaves idle out of the busy time', async () => {
    const { summarize, groupTable } = await import(lib('profile-summary.mjs'));
    const s = summarize(profile);
    const ms = (g: string) => s.groups.find((x: { group: string }) => x.group === g)?.ms;
    expect(s.busyMs).toBeCloseTo(500, 6);
    expect(s.idlePct).toBeCloseTo((100 * 505) / 1005, 6);
    expect(ms('level: classic-level (native)')).toBeCloseTo(200, 6);
    expect(ms('GC')).toBeCloseTo(100, 6);
    expect(ms('V8/native (program)')).toBeCloseTo(100, 6);
    expect(ms('protobufjs')).toBeCloseTo(50, 6);
    expect(ms('level: abstract-level')).toBeCloseTo(45, 6);
    expect(ms('ringkv node')).toBeCloseTo(5, 6);
    expect(s.groups[0]).toMatchObject({ group: 'level: classic-level (native)', pct: 40 });
    expect(s.functions[0].name).toBe('(native) in _batch index.js:10');
    const table = groupTable([['shard-1', s], ['shard-2', s]]);
    expect(table).toContain('| level: classic-level (native) | 40.0 | 40.0 |');
    // Under 2% of busy time in every process: left out.
    expect(table).not.toContain('ringkv node');
  });
});
