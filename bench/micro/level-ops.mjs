#!/usr/bin/env node
// Micro-benchmark: CPU per operation of the ways a shard can hand a frame of operations to
// LevelDB through classic-level (the `level` package on Node), on a store of 100,000 keys of
// 100 B, one batch at a time. CPU is process.cpuUsage(): the main thread and LevelDB's and
// libuv's threads. Batch sizes: the router -> shard frame sizes `pnpm bench` reports.
//   node bench/micro/level-ops.mjs [--batches 2000] [--sizes 1,21,64,256] [--cache-mib 8] [--json out.json]
// --cache-mib: LevelDB's block cache (classic-level's cacheSize; 8 MiB is its default and the shard's).
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { batches: { type: 'string', default: '2000' }, sizes: { type: 'string', default: '1,21,64,256' }, keys: { type: 'string', default: '100000' }, 'cache-mib': { type: 'string', default: '8' }, json: { type: 'string' } },
});
// `level` is a dependency of @ringkv/node: resolve it from there.
const require = createRequire(new URL('../../packages/node/package.json', import.meta.url));
const { Level } = require('level');

const KEYS = Number(args.keys);
const VALUE_BYTES = 100;
// Storage keys as the engine makes them: a tag byte, the 4-byte hash, the user key.
const keyOf = (i) => {
  const user = Buffer.from(`user${i}`);
  const k = Buffer.allocUnsafe(5 + user.length);
  k[0] = 0x64;
  k.writeUInt32BE((Math.imul(i, 2654435761) >>> 0), 1);
  user.copy(k, 5);
  return k;
};
const value = Buffer.alloc(VALUE_BYTES + 12, 'v'); // a record: header + 100 B value
const keys = Array.from({ length: KEYS }, (_, i) => keyOf(i));

let seed = 7;
const rnd = () => {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const pickKeys = (n) => Array.from({ length: n }, () => keys[Math.floor(rnd() * KEYS)]);

const BUF = { keyEncoding: 'buffer', valueEncoding: 'buffer' };
const GET_OPTS = { keyEncoding: 'buffer', valueEncoding: 'buffer', fillCache: true };
const NO_SYNC = { sync: false };

/** Each variant runs one batch of `ks` (keys) and resolves when LevelDB is done. */
const VARIANTS = {
  // Today's LevelStore.batch: abstract-level's public array batch (clones and validates each op).
  'write: db.batch(array) (abstract-level, today)': (db, ks) => db.batch(ks.map((key) => ({ type: 'put', key, value })), NO_SYNC),
  // Today's write path per drain: getMany of the keys (versions), then the batch, plus the HLC key.
  'write: getMany + db.batch(array) + HLC put (today\'s put drain)': async (db, ks) => {
    await db.getMany(ks);
    const ops = ks.map((key) => ({ type: 'put', key, value }));
    ops.push({ type: 'put', key: HLC, value: HLC_VALUE });
    return db.batch(ops, NO_SYNC);
  },
  'write: db.batch() chained .put().write()': (db, ks) => {
    const b = db.batch();
    for (const key of ks) b.put(key, value);
    return b.write(NO_SYNC);
  },
  // classic-level's implementation without abstract-level's per-op work: Buffers already validated.
  'write: db._batch(array) (classic-level, no validation)': (db, ks) => db._batch(ks.map((key) => ({ type: 'put', key, value })), NO_SYNC),
  'write: _getMany + db._batch(array) + HLC put': async (db, ks) => {
    await db._getMany(ks, GET_OPTS);
    const ops = ks.map((key) => ({ type: 'put', key, value }));
    ops.push({ type: 'put', key: HLC, value: HLC_VALUE });
    return db._batch(ops, NO_SYNC);
  },
  'write: _getSync each + db._batch(array) + HLC put': (db, ks) => {
    for (const key of ks) db._getSync(key, GET_OPTS);
    const ops = ks.map((key) => ({ type: 'put', key, value }));
    ops.push({ type: 'put', key: HLC, value: HLC_VALUE });
    return db._batch(ops, NO_SYNC);
  },
  'read: db.getMany (abstract-level, today)': (db, ks) => db.getMany(ks),
  'read: db._getMany (classic-level)': (db, ks) => db._getMany(ks, GET_OPTS),
  'read: db.getSync each (abstract-level)': (db, ks) => {
    for (const key of ks) db.getSync(key);
  },
  'read: db._getSync each (classic-level)': (db, ks) => {
    for (const key of ks) db._getSync(key, GET_OPTS);
  },
};
const HLC = Buffer.from([0x00, 0x68, 0x6c, 0x63]);
const HLC_VALUE = Buffer.alloc(8);

async function run(db, fn, size, batches) {
  const sets = Array.from({ length: batches }, () => pickKeys(size));
  for (let i = 0; i < Math.min(200, batches); i++) await fn(db, sets[i]);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const ks of sets) await fn(db, ks);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const ops = size * batches;
  return { cpuUsPerOp: (c.user + c.system) / ops, wallUsPerOp: (wall * 1000) / ops };
}

const dir = mkdtempSync(join(tmpdir(), 'ringkv-micro-level-'));
const db = new Level(dir, { ...BUF, cacheSize: Number(args['cache-mib']) * 2 ** 20 });
await db.open();
for (let i = 0; i < KEYS; i += 1000) await db.batch(keys.slice(i, i + 1000).map((key) => ({ type: 'put', key, value })));
await db.compactRange(Buffer.alloc(0), Buffer.alloc(8, 0xff));

const sizes = args.sizes.split(',').map(Number);
const out = { keys: KEYS, cacheMiB: Number(args['cache-mib']), valueBytes: value.length, batches: Number(args.batches), results: [] };
const lines = [`| variant | ${sizes.map((s) => `CPU µs/op @${s}`).join(' | ')} | ${sizes.map((s) => `wall µs/op @${s}`).join(' | ')} |`,
  `|---|${sizes.map(() => '---:').join('|')}|${sizes.map(() => '---:').join('|')}|`];
for (const [name, fn] of Object.entries(VARIANTS)) {
  const row = [];
  for (const size of sizes) {
    const batches = Math.max(50, Math.round((Number(args.batches) * 21) / size));
    const r = await run(db, fn, size, batches);
    out.results.push({ variant: name, size, ...r });
    row.push(r);
  }
  lines.push(`| ${name} | ${row.map((r) => r.cpuUsPerOp.toFixed(2)).join(' | ')} | ${row.map((r) => r.wallUsPerOp.toFixed(2)).join(' | ')} |`);
  console.error(lines.at(-1));
}
await db.close();
rmSync(dir, { recursive: true, force: true });
console.log(lines.join('\n'));
if (args.json) writeFileSync(args.json, JSON.stringify(out, null, 2) + '\n');
