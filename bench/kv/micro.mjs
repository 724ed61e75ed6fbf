// In-process costs of routing one key: murmur3 and the ring lookup, ns per op.
import { Ownership, Ring, hash32, newClusterMap } from '@ringkv/core';
import { keyOf } from '../lib/load.mjs';

export function micro() {
  const out = {};
  const keysBuf = Array.from({ length: 10_000 }, (_, i) => Buffer.from(keyOf(i)));
  const time = (fn, n) => {
    for (let i = 0; i < n / 10; i++) fn(i);
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    return Number(process.hrtime.bigint() - t) / n;
  };
  let sink = 0;
  out.hashNsPerOp = time((i) => { sink ^= hash32(keysBuf[i % keysBuf.length]); }, 1_000_000);
  for (const shards of [3, 10]) {
    const members = Array.from({ length: shards }, (_, i) => ({ id: `shard-${i}`, address: `127.0.0.1:${7401 + i}`, weight: 1, state: 'active' }));
    const ring = new Ring(members);
    const own = new Ownership(newClusterMap('bench', members));
    const hashes = keysBuf.map((k) => hash32(k));
    out[`ringLookupNsPerOp_${shards}shards`] = time((i) => { sink ^= ring.tokenIndex(hashes[i % hashes.length]); }, 1_000_000);
    out[`hashAndOwnerNsPerOp_${shards}shards`] = time((i) => { sink ^= own.ownerOf(hash32(keysBuf[i % keysBuf.length])).length; }, 1_000_000);
  }
  return sink === 0.5 ? {} : out;
}
