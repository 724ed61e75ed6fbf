// Load-generation helpers of the migration benchmark: latency histograms (hdr-histogram-js, in
// microseconds), a closed-loop mixed read/write load at fixed concurrency, and bulk loading.
import * as hdr from 'hdr-histogram-js';

export function histogram() {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
}

/** p50/p90/p99/p99.9/max in milliseconds, mean, and the count, from a histogram of microseconds. */
export function summarize(h, seconds) {
  const ms = (us) => Math.round(us) / 1000;
  return {
    ops: h.totalCount,
    seconds: Math.round(seconds * 1000) / 1000,
    opsPerSec: seconds > 0 ? Math.round(h.totalCount / seconds) : 0,
    p50Ms: ms(h.getValueAtPercentile(50)),
    p90Ms: ms(h.getValueAtPercentile(90)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    p999Ms: ms(h.getValueAtPercentile(99.9)),
    maxMs: ms(h.maxValue),
    meanMs: Math.round(h.mean) / 1000,
  };
}

/** xorshift32: a fast, seedable generator (the load must not be limited by Math.random). */
export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * A closed-loop load: `inflight` workers, each issuing one operation after the other on a
 * random key (uniform), `readRatio` of them gets, the rest puts of `value`. Runs until
 * `shouldStop()` says so, `maxMs` passes or `maxOps` operations were issued, whichever first.
 * Latency of every completed call (failed ones too) goes into the histogram.
 */
export async function mixedLoad(client, keyOf, keyCount, { inflight, readRatio = 0.5, value, maxMs, maxOps = 50_000_000, shouldStop = () => false, timeoutMs = 10_000, seed = 1, classOf }) {
  const h = histogram();
  // Optional breakdown: classOf(keyIndex, isRead) names a class with its own histogram.
  const byClass = new Map();
  const errors = {};
  let issued = 0;
  const started = performance.now();
  const deadline = started + maxMs;
  const worker = async (w) => {
    const rnd = rng(seed * 7919 + w * 104729);
    while (issued < maxOps && !shouldStop() && performance.now() < deadline) {
      issued++;
      const i = Math.floor(rnd() * keyCount);
      const key = keyOf(i);
      const read = rnd() < readRatio;
      const t = performance.now();
      try {
        if (read) await client.get(key, { timeoutMs });
        else await client.put(key, value, { timeoutMs });
      } catch (err) {
        const code = err?.code ?? 'ERROR';
        errors[code] = (errors[code] ?? 0) + 1;
      }
      const us = Math.max(1, Math.round((performance.now() - t) * 1000));
      h.recordValue(us);
      if (classOf) {
        const c = classOf(i, read);
        let ch = byClass.get(c);
        if (!ch) byClass.set(c, (ch = histogram()));
        ch.recordValue(us);
      }
    }
  };
  await Promise.all(Array.from({ length: inflight }, (_, w) => worker(w)));
  const seconds = (performance.now() - started) / 1000;
  const classes = Object.fromEntries([...byClass].sort().map(([c, ch]) => {
    const { ops, p50Ms, p99Ms, maxMs } = summarize(ch, seconds);
    return [c, { ops, p50Ms, p99Ms, maxMs }];
  }));
  return { ...summarize(h, seconds), errors, ...(classOf ? { classes } : {}), histogram: h };
}

/**
 * Writes keys 0..count-1 (`keyOf(i)` -> `value`) with single puts, `inflight` at once (the SDK
 * pipelines what is issued in the same tick). Retries a failed put a few times.
 */
export async function bulkLoad(client, keyOf, count, value, { inflight = 256, onProgress } = {}) {
  let next = 0;
  let done = 0;
  let retries = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      for (let attempt = 1; ; attempt++) {
        try {
          await client.put(keyOf(i), value, { timeoutMs: 30_000 });
          break;
        } catch (err) {
          if (attempt >= 5) throw err;
          retries++;
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
      done++;
      if (onProgress && done % 20_000 === 0) onProgress(done, (performance.now() - started) / 1000);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inflight, count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { keys: count, seconds: Math.round(seconds * 1000) / 1000, keysPerSec: Math.round(count / seconds), retries };
}
