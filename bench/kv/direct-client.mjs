// Benchmark-only: the SDK's batching, but straight to the owning shard (no router), to
// measure what the router hop costs. Not a supported client: it ignores map changes.
import { credentials } from '@grpc/grpc-js';
import {
  AdminService, Batcher, CLIENT_CHANNEL_OPTIONS, NodeService, Ownership, PipelineMux, clusterMapFromProto, hash32, opSize,
} from '@ringkv/core';

export async function connectDirect(routerAddress) {
  const admin = new AdminService(routerAddress, credentials.createInsecure());
  const reply = await new Promise((res, rej) => admin.GetClusterMap({}, (e, r) => (e ? rej(e) : res(r))));
  admin.close();
  const map = clusterMapFromProto(reply.map);
  const own = new Ownership(map);
  const shards = new Map(map.members.map((m) => {
    const grpc = new NodeService(m.address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
    const mux = new PipelineMux(() => grpc.pipeline(), m.id);
    const batcher = new Batcher(async (ops) => (await mux.send(ops, Date.now() + 10_000, map.epoch)).results, opSize);
    return [m.id, { grpc, mux, batcher }];
  }));
  const run = async (op, key) => {
    for (let attempt = 0; ; attempt++) {
      const r = await shards.get(own.ownerOf(hash32(key))).batcher.submit(op);
      // A node that has not received its map yet (the router pushes it shortly after start).
      if (r.errorCode === 'WRONG_OWNER' && r.epoch === '0' && attempt < 50) {
        await new Promise((res) => setTimeout(res, 100));
        continue;
      }
      if (r.errorCode) throw new Error(`${r.errorCode}: ${r.errorMessage}`);
      return r;
    }
  };
  return {
    async get(k) {
      const key = Buffer.from(k);
      const r = await run({ op: 'get', get: { key } }, key);
      return r.found ? r.value : undefined;
    },
    async put(k, v) {
      const key = Buffer.from(k);
      await run({ op: 'put', put: { key, value: v, ttlMs: '0' } }, key);
    },
    async close() {
      for (const s of shards.values()) {
        s.mux.close();
        s.grpc.close();
      }
    },
  };
}
