// One measured window of `pnpm bench`: CPU of every process over exactly the operations of a
// run, frames and operations counted by the measurement hook in each ringkv process (and in
// this one), and, with --profile, a V8 CPU profile of each covering only that window.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuMeter, procCpuUs } from '../lib/proc-cpu.mjs';
import { frameStats, installFrameStats, resetFrameStats, startProfiler, stopProfiler } from '../lib/cpu-prof-hook.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await installFrameStats();

/**
 * Waits until the servers are quiet (LevelDB compaction after a load, say): under 2% of a
 * core over 250 ms, for at most `maxMs`, so that a window does not pay for the one before it.
 */
export async function settle(pids, maxMs = 5000) {
  const t0 = Date.now();
  const total = () => pids.reduce((acc, pid) => acc + procCpuUs(pid), 0);
  for (;;) {
    const before = total();
    await sleep(250);
    if (total() - before < 5_000 || Date.now() - t0 > maxMs) return Date.now() - t0;
  }
}

async function waitFor(path, ms = 20_000) {
  const t0 = Date.now();
  while (!existsSync(path)) {
    if (Date.now() - t0 > ms) throw new Error(`measurement hook: no ${path} after ${ms} ms`);
    await sleep(20);
  }
}

/**
 * `system`: what startSystem returned; `hookDir`: where the hooked processes write; with
 * `profile` (a directory), profiles are saved there as <tag>-<process>.cpuprofile.
 */
export function openWindow(system, { hookDir, profile, tag }) {
  const meter = cpuMeter(system.procs);
  const hooked = Object.entries(system.hooked);
  const seq = (openWindow.seq ??= new Map());
  const flag = join(hookDir, 'profile-window');
  let cpuUs;
  let settleMs;
  return {
    async begin() {
      settleMs = await settle(Object.values(system.procs).filter((p) => p !== 'self'));
      // The hooked processes profile this window if the flag file exists when it opens.
      if (profile) writeFileSync(flag, '');
      else rmSync(flag, { force: true });
      for (const [, pid] of hooked) process.kill(pid, 'SIGUSR2');
      resetFrameStats();
      if (profile) await startProfiler();
      // Every hooked process has reset its counters (and started its profiler) before the first operation.
      for (const [, pid] of hooked) await waitFor(join(hookDir, `${pid}-${(seq.get(pid) ?? 0) + 1}.open`));
      rmSync(flag, { force: true });
    },
    onStart: () => meter.start(),
    onEnd: () => {
      cpuUs = meter.stop();
    },
    /** { cpuUs: { process: us }, frames: { process: { sent, received } }, settleMs } */
    async end() {
      const frames = { client: frameStats() };
      if (profile) await stopProfiler(join(profile, `${tag}-client.cpuprofile`));
      for (const [name, pid] of hooked) {
        const n = (seq.get(pid) ?? 0) + 1;
        seq.set(pid, n);
        process.kill(pid, 'SIGUSR2');
        const base = join(hookDir, `${pid}-${n}`);
        await waitFor(`${base}.done`);
        frames[name] = JSON.parse(readFileSync(`${base}.frames.json`, 'utf8'));
        if (profile) renameSync(`${base}.cpuprofile`, join(profile, `${tag}-${name}.cpuprofile`));
        for (const ext of ['open', 'frames.json', 'done']) rmSync(`${base}.${ext}`, { force: true });
      }
      return { cpuUs, frames, settleMs };
    },
  };
}
