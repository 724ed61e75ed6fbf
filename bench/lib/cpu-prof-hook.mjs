// Benchmark-only measurement hook, loaded into each ringkv process with
//   node --import <this file> ...   (bench/lib/local-cluster.mjs: RINGKV_BENCH_NODE_ARGS)
// and imported by the load generator for its own process. It changes nothing in ringkv: it
// wraps two methods of @ringkv/core to count frames and operations, and drives V8's profiler
// through node:inspector, so that a profile covers only the measured operations (not the
// start-up or the preload, as --cpu-prof would).
//
// SIGUSR2 toggles a window: the first resets the counters, starts the profiler when
// <RINGKV_BENCH_PROF_DIR>/profile-window exists (or RINGKV_BENCH_CPU_PROF=1: every window), then
// writes <pid>-<n>.open; the second writes <pid>-<n>.frames.json (and <pid>-<n>.cpuprofile),
// then <pid>-<n>.done. The benchmark waits for those files instead of guessing a delay.
import { Session } from 'node:inspector';
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const stats = { sent: { frames: 0, ops: 0 }, received: { frames: 0, ops: 0 } };
let session;

/** Counts frames sent (PipelineMux.send) and frames received (PipelineStreams handlers) in this process. */
export async function installFrameStats() {
  let core;
  try {
    core = await import('@ringkv/core');
  } catch {
    return;
  }
  const mux = core.PipelineMux?.prototype;
  if (mux?.send && !mux.send.benchWrapped) {
    const send = mux.send;
    mux.send = function benchSend(ops, ...rest) {
      stats.sent.frames++;
      stats.sent.ops += ops.length;
      return send.call(this, ops, ...rest);
    };
    mux.send.benchWrapped = true;
  }
  const streams = core.PipelineStreams?.prototype;
  if (streams?.serve && !streams.serve.benchWrapped) {
    const serve = streams.serve;
    streams.serve = function benchServe(call, handle = this.handle) {
      return serve.call(this, call, (ops, ...rest) => {
        stats.received.frames++;
        stats.received.ops += ops.length;
        return handle(ops, ...rest);
      });
    };
    streams.serve.benchWrapped = true;
  }
}

export function frameStats() {
  return structuredClone(stats);
}

export function resetFrameStats() {
  stats.sent = { frames: 0, ops: 0 };
  stats.received = { frames: 0, ops: 0 };
}

const post = (method, params) => new Promise((resolve, reject) => {
  session.post(method, params, (err, res) => (err ? reject(err) : resolve(res)));
});

/** Starts V8's sampling profiler in this process (1 ms interval, as --cpu-prof). */
export async function startProfiler(intervalUs = 1000) {
  session = new Session();
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: intervalUs });
  await post('Profiler.start');
}

/** Stops the profiler and writes the profile to `path`. */
export async function stopProfiler(path) {
  const { profile } = await post('Profiler.stop');
  await post('Profiler.disable');
  session.disconnect();
  session = undefined;
  writeFileSync(path, JSON.stringify(profile));
}

// Loaded with --import into a server process: answer SIGUSR2.
if (process.env.RINGKV_BENCH_PROF_DIR && process.execArgv.some((a) => a.includes('cpu-prof-hook'))) {
  const dir = process.env.RINGKV_BENCH_PROF_DIR;
  const profileAll = process.env.RINGKV_BENCH_CPU_PROF === '1';
  mkdirSync(dir, { recursive: true });
  let open = false;
  let profiling = false;
  let n = 0;
  // Registered after the process's own modules load, which import @ringkv/core anyway.
  setImmediate(() => void installFrameStats());
  process.on('SIGUSR2', () => {
    const run = async () => {
      if (!open) {
        open = true;
        resetFrameStats();
        profiling = profileAll || existsSync(join(dir, 'profile-window'));
        if (profiling) await startProfiler();
        writeFileSync(join(dir, `${process.pid}-${n + 1}.open`), '');
        return;
      }
      open = false;
      const base = join(dir, `${process.pid}-${++n}`);
      if (profiling) await stopProfiler(`${base}.cpuprofile`);
      writeFileSync(`${base}.frames.json`, JSON.stringify(frameStats()));
      writeFileSync(`${base}.done`, '');
    };
    run().catch((err) => process.stderr.write(`bench hook: ${err.stack ?? err}\n`));
  });
}
