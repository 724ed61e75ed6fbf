// The load generator shared by the ringkv and Redis runs of `pnpm bench` (bench/kv/run.mjs):
// YCSB-style workloads over keys `user<i>`, a fixed number of requests in flight, latency in
// an hdr-histogram-js histogram (microseconds).
//
// NOTE: reconstructed from its call sites in bench/kv/run.mjs after the original was
// accidentally overwritten by the migration-benchmark session; the owner of bench/kv should
// check it against what they had.
import * as hdr from 'hdr-histogram-js';

/**
 * YCSB A: 50% read / 50% update, zipfian; C: 100% read, zipfian; insert: new keys only;
 * put / get: 100% updates / reads of loaded keys, uniform (the per-op cost of each kind).
 */
export const WORKLOADS = {
  put: { name: 'put (100% updates, uniform)', readRatio: 0, insert: false, uniform: true },
  get: { name: 'get (100% reads, uniform)', readRatio: 1, insert: false, uniform: true },
  a: { name: 'YCSB A (50% read, 50% update, zipfian)', readRatio: 0.5, insert: false },
  c: { name: 'YCSB C (100% read, zipfian)', readRatio: 1, insert: false },
  insert: { name: 'insert (100% new keys)', readRatio: 0, insert: true },
};

export const keyOf = (i) => `user${i}`;

/** xorshift32 in [0, 1). */
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * YCSB's scrambled zipfian generator (Gray et al., theta 0.99): item ranks follow a zipfian
 * distribution and are spread over the key space by a hash, so hot keys land on every shard.
 */
const zetas = new Map();

export function scrambledZipfian(items, rnd, theta = 0.99) {
  // zeta(n) is the same for every worker: computed once (it is 100,000 pow() calls).
  let zetan = zetas.get(`${items}:${theta}`);
  if (zetan === undefined) {
    zetan = 0;
    for (let i = 1; i <= items; i++) zetan += 1 / Math.pow(i, theta);
    zetas.set(`${items}:${theta}`, zetan);
  }
  const zeta2 = 1 + 1 / Math.pow(2, theta);
  const alpha = 1 / (1 - theta);
  const eta = (1 - Math.pow(2 / items, 1 - theta)) / (1 - zeta2 / zetan);
  const rank = () => {
    const u = rnd();
    const uz = u * zetan;
    if (uz < 1) return 0;
    if (uz < 1 + Math.pow(0.5, theta)) return 1;
    return Math.floor(items * Math.pow(eta * u - eta + 1, alpha));
  };
  // FNV-1a 64-bit would be YCSB's; a 32-bit mix is enough to scatter ranks.
  const scramble = (r) => {
    let h = (r + 0x9e3779b9) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    return (h ^ (h >>> 16)) >>> 0;
  };
  return () => scramble(rank()) % items;
}

function histogram() {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
}

/** Writes keys 0..keys-1 with `inflight` puts at once. */
export async function preload(sys, keys, value, inflight) {
  let next = 0;
  const worker = async () => {
    while (next < keys) {
      const i = next++;
      await sys.put(keyOf(i), value);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inflight, keys) }, worker));
}

/**
 * Runs `workload` with `inflight` requests in flight (closed loop) for `seconds`, or for
 * exactly `ops` operations issued (with `seconds` as a time cap), and reports throughput and
 * latency percentiles. Inserts write keys from `insertFrom` (default `keys`) upwards and
 * return where they stopped (`nextInsert`). `onStart` runs once the workers are set up, right
 * before the first operation (a CPU meter's start), `onEnd` right after the last one settles.
 */
export async function runWorkload(sys, {
  workload, keys, value, inflight, seconds = 3600, ops: count, seed = 42, maxOps = 20_000_000, insertFrom, onStart, onEnd,
}) {
  const w = WORKLOADS[workload];
  if (!w) throw new Error(`unknown workload ${workload}`);
  const h = histogram();
  const limit = count ?? maxOps;
  let errors = 0;
  let firstError;
  let ops = 0;
  let issued = 0;
  let nextInsert = insertFrom ?? keys;
  const pickers = Array.from({ length: inflight }, (_, n) => {
    const rnd = rng(seed * 7919 + n * 104729);
    const pick = w.insert ? undefined : w.uniform ? () => Math.floor(rnd() * keys) : scrambledZipfian(keys, rnd);
    return { rnd, pick };
  });
  onStart?.();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async ({ rnd, pick }) => {
    // Bounded in time and in count; only successful operations count as throughput.
    while (issued < limit && performance.now() < deadline) {
      issued++;
      const t = performance.now();
      try {
        if (w.insert) await sys.put(keyOf(nextInsert++), value);
        else if (w.readRatio === 1 || (w.readRatio > 0 && rnd() < w.readRatio)) await sys.get(keyOf(pick()));
        else await sys.put(keyOf(pick()), value);
      } catch (err) {
        errors++;
        firstError ??= err;
        continue;
      }
      h.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
      ops++;
    }
  };
  await Promise.all(pickers.map(worker));
  const elapsed = (performance.now() - started) / 1000;
  onEnd?.();
  return {
    ops,
    seconds: elapsed,
    opsPerSec: ops / elapsed,
    p50Us: h.getValueAtPercentile(50),
    p99Us: h.getValueAtPercentile(99),
    p999Us: h.getValueAtPercentile(99.9),
    maxUs: h.maxValue,
    errors,
    nextInsert,
    ...(firstError ? { firstError: String(firstError.message ?? firstError) } : {}),
  };
}
