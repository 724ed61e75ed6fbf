#!/usr/bin/env node
// Micro-benchmark: what the SDK spends per call on deadlines and aborts, 64 calls at a time as
// under `pnpm bench`. Today every call makes a CallContext (an AbortController, a setTimeout,
// setMaxListeners, a registry entry) and the core Batcher adds an abort listener per queued
// item; the alternative keeps each call's deadline in its queue entry and sweeps the entries
// of a connection once per interval (one timer per connection, none per call).
//   node bench/micro/call-overhead.mjs [--calls 640000]
import { parseArgs } from 'node:util';
import { withCall } from '@ringkv/client/internal';
import { Batcher } from '@ringkv/core';

const { values: args } = parseArgs({ options: { calls: { type: 'string', default: '640000' } } });
const CALLS = Number(args.calls);
const CONCURRENCY = 64;

async function perCall(name, call) {
  const run = async (n) => {
    const batch = new Array(CONCURRENCY);
    for (let i = 0; i < n; i += CONCURRENCY) {
      for (let j = 0; j < CONCURRENCY; j++) batch[j] = call();
      await Promise.all(batch);
    }
  };
  await run(CALLS / 10);
  const c0 = process.cpuUsage();
  await run(CALLS);
  const c = process.cpuUsage(c0);
  return { name, cpuUsPerCall: (c.user + c.system) / CALLS };
}

const registry = new Set();
const work = () => Promise.resolve(1);

// One deadline sweep per connection: entries hold their deadline; a timer every 100 ms fails
// the expired ones. Here the sweep never fires (no call is late), as in a healthy run.
class SweptCalls {
  #entries = new Set();
  #timer = setInterval(() => {
    const now = Date.now();
    for (const e of this.#entries) if (e.deadline <= now) { this.#entries.delete(e); e.reject(new Error('deadline')); }
  }, 100).unref();

  run(timeoutMs) {
    const e = { deadline: Date.now() + timeoutMs, reject: undefined };
    this.#entries.add(e);
    return work().finally(() => this.#entries.delete(e));
  }
}
const swept = new SweptCalls();

// The Batcher as the SDK's OpPipeline uses it, with or without a signal per item.
const batcher = new Batcher(async (items) => items, () => 32, { maxInFlight: 256 });

const rows = [
  await perCall('bare call (a resolved promise)', work),
  await perCall('withCall: CallContext (AbortController, setTimeout, setMaxListeners, registry)', () => withCall('get', 5000, undefined, registry, work)),
  await perCall('AbortController + setTimeout/clearTimeout only', async () => {
    const ac = new AbortController();
    const t = setTimeout(() => ac.abort(), 5000);
    try { return await work(); } finally { clearTimeout(t); }
  }),
  await perCall('deadline in the queue entry, one sweep per connection', () => swept.run(5000)),
  await perCall('Batcher.submit, no signal (setImmediate flush, one batch per tick)', () => batcher.submit(1)),
  await perCall('Batcher.submit with a CallContext signal (today\'s SDK per op)', () => withCall('get', 5000, undefined, registry, (ctx) => batcher.submit(1, ctx.signal))),
];
console.log('| per call, 64 at a time | CPU µs/call |\n|---|---:|');
for (const r of rows) console.log(`| ${r.name} | ${r.cpuUsPerCall.toFixed(2)} |`);
process.exit(0);
