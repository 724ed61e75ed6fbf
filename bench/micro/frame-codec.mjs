#!/usr/bin/env node
// Micro-benchmark: CPU per operation of carrying a frame of N operations across one hop, as
// grpc-js does today (protobufjs objects through @grpc/proto-loader: encode on one side,
// decode on the other, for the frame and for its reply), against a compact binary frame in
// one `bytes` field. For the router it also prices what a router does per op: today decode
// the client's frame, re-encode one frame per shard, decode each shard's reply, re-encode the
// client's reply; with binary frames read each key, hash it, and copy the op's bytes into the
// shard's frame untouched, and the replies likewise.
//   node bench/micro/frame-codec.mjs [--sizes 1,21,64] [--ops 400000]
import { parseArgs } from 'node:util';
import { KvService, NodeService, keyHash } from '@ringkv/core';

const { values: args } = parseArgs({ options: { sizes: { type: 'string', default: '1,21,64' }, ops: { type: 'string', default: '400000' } } });
const value = Buffer.alloc(100, 'v');
const keyOf = (i) => Buffer.from(`user${i}`);
const kv = KvService.service.Pipeline;
const node = NodeService.service.Pipeline;

// --- binary frames: [u32 id][u16 n] then per op [u8 code][u16 key length][key][u32 value length][value];
// replies per op [u8 status][u64 version][u32 value length][value].
const PUT = 2;
function encodeBin(id, ops) {
  let size = 6;
  for (const o of ops) size += 7 + o.key.length + (o.value?.length ?? 0);
  const b = Buffer.allocUnsafe(size);
  b.writeUInt32LE(id, 0);
  b.writeUInt16LE(ops.length, 4);
  let p = 6;
  for (const o of ops) {
    b[p] = o.code;
    b.writeUInt16LE(o.key.length, p + 1);
    o.key.copy(b, p + 3);
    p += 3 + o.key.length;
    const vl = o.value?.length ?? 0;
    b.writeUInt32LE(vl, p);
    if (vl) o.value.copy(b, p + 4);
    p += 4 + vl;
  }
  return b;
}
/** What a shard does: every op as views (no copies) into the frame. */
function decodeBin(b, visit) {
  const n = b.readUInt16LE(4);
  let p = 6;
  for (let i = 0; i < n; i++) {
    const code = b[p];
    const kl = b.readUInt16LE(p + 1);
    const key = b.subarray(p + 3, p + 3 + kl);
    p += 3 + kl;
    const vl = b.readUInt32LE(p);
    const val = b.subarray(p + 4, p + 4 + vl);
    p += 4 + vl;
    visit(code, key, val);
  }
  return n;
}
/** What a router does: each op's key hashed, the op's bytes copied untouched into its shard's frame. */
function routeBin(b, shards) {
  const n = b.readUInt16LE(4);
  const starts = new Int32Array(n + 1);
  const owner = new Uint8Array(n);
  const sizes = new Int32Array(shards);
  const counts = new Int32Array(shards);
  let p = 6;
  for (let i = 0; i < n; i++) {
    starts[i] = p;
    const kl = b.readUInt16LE(p + 1);
    const h = keyHash(b.subarray(p + 3, p + 3 + kl));
    const s = h % shards;
    owner[i] = s;
    p += 3 + kl;
    p += 4 + b.readUInt32LE(p);
    sizes[s] += p - starts[i];
    counts[s]++;
  }
  starts[n] = p;
  const out = [];
  for (let s = 0; s < shards; s++) {
    if (!counts[s]) continue;
    const f = Buffer.allocUnsafe(6 + sizes[s]);
    f.writeUInt32LE(s, 0);
    f.writeUInt16LE(counts[s], 4);
    let q = 6;
    for (let i = 0; i < n; i++) if (owner[i] === s) q += b.copy(f, q, starts[i], starts[i + 1]);
    out.push(f);
  }
  return out;
}
function encodeBinReply(n, versions) {
  const b = Buffer.allocUnsafe(6 + n * 13);
  b.writeUInt32LE(1, 0);
  b.writeUInt16LE(n, 4);
  for (let i = 0, p = 6; i < n; i++, p += 13) {
    b[p] = 0;
    b.writeBigUInt64LE(versions[i], p + 1);
    b.writeUInt32LE(0, p + 9);
  }
  return b;
}

let sink = 0;
function timePerOp(totalOps, size, fn) {
  const rounds = Math.max(200, Math.round(totalOps / size));
  for (let i = 0; i < rounds / 10; i++) fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < rounds; i++) fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / (rounds * size);
}

const sizes = args.sizes.split(',').map(Number);
const total = Number(args.ops);
const rows = [];
for (const size of sizes) {
  const keys = Array.from({ length: size }, (_, i) => keyOf(100_000 + i * 7919));
  const pbOps = keys.map((key) => ({ put: { key, value, ttlMs: '0' } }));
  const pbGets = keys.map((key) => ({ get: { key } }));
  const putResults = keys.map((_, i) => ({ version: String(1_700_000_000_000_000n + BigInt(i)) }));
  const getResults = keys.map(() => ({ found: true, value, version: '1700000000000000' }));
  const clientFrame = kv.requestSerialize({ id: 1, ops: pbOps });
  // Each shard's reply holds as many results as the ops the router sent it.
  const split = [0, 0, 0];
  for (const key of keys) split[keyHash(key) % 3]++;
  const shardReplies = split.map((n) => node.responseSerialize({ id: 1, results: putResults.slice(0, n) }));
  const binOps = keys.map((key) => ({ code: PUT, key, value }));
  const binFrame = encodeBin(1, binOps);
  const versions = keys.map((_, i) => 1_700_000_000_000_000n + BigInt(i));
  const binReply = encodeBinReply(size, versions);
  const r = {
    size,
    'protobuf: put frame encode + decode': timePerOp(total, size, () => { sink ^= kv.requestDeserialize(kv.requestSerialize({ id: 1, ops: pbOps })).ops.length; }),
    'protobuf: put reply encode + decode': timePerOp(total, size, () => { sink ^= node.responseDeserialize(node.responseSerialize({ id: 1, results: putResults })).results.length; }),
    'protobuf: get frame + reply (100 B values)': timePerOp(total, size, () => {
      sink ^= kv.requestDeserialize(kv.requestSerialize({ id: 1, ops: pbGets })).ops.length;
      sink ^= kv.responseDeserialize(kv.responseSerialize({ id: 1, results: getResults })).results.length;
    }),
    'protobuf: router hop, put (decode, hash, 3 shard frames, 3 replies, client reply)': timePerOp(total, size, () => {
      const f = kv.requestDeserialize(clientFrame);
      const per = [[], [], []];
      for (const op of f.ops) per[keyHash(op.put.key) % 3].push(op);
      for (const ops of per) if (ops.length) sink ^= node.requestSerialize({ id: 1, ops, epoch: '7' }).length;
      const results = [];
      for (let s = 0; s < 3; s++) if (per[s].length) results.push(...node.responseDeserialize(shardReplies[s]).results);
      sink ^= kv.responseSerialize({ id: 1, results }).length;
    }),
    'binary: put frame encode + decode': timePerOp(total, size, () => { sink ^= decodeBin(encodeBin(1, binOps), () => {}); }),
    'binary: put reply encode + decode': timePerOp(total, size, () => {
      const b = encodeBinReply(size, versions);
      for (let i = 0, p = 6; i < size; i++, p += 13) sink ^= Number(b.readBigUInt64LE(p + 1) & 1n);
    }),
    'binary: router hop, put (keys hashed, op bytes copied to 3 shard frames, replies copied)': timePerOp(total, size, () => {
      const frames = routeBin(binFrame, 3);
      sink ^= frames.length;
      const parts = frames.map((f) => binReply.subarray(6, 6 + f.readUInt16LE(4) * 13));
      sink ^= Buffer.concat(parts).length;
    }),
  };
  rows.push(r);
  console.error(JSON.stringify(r));
}
const names = Object.keys(rows[0]).filter((k) => k !== 'size');
console.log(`| CPU µs per op | ${sizes.map((s) => `${s} ops/frame`).join(' | ')} |`);
console.log(`|---|${sizes.map(() => '---:').join('|')}|`);
for (const n of names) console.log(`| ${n} | ${rows.map((r) => r[n].toFixed(2)).join(' | ')} |`);
if (sink === 0.5) console.log(sink);
