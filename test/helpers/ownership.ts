import type { RingKvClient } from '@ringkv/client';
import { hash32, ringOf } from '@ringkv/core';

const asBytes = (k: string | Uint8Array) => (typeof k === 'string' ? Buffer.from(k, 'utf8') : k);

/** Groups keys by the shard that owns them in the router's current cluster map. */
export async function keysByOwner<K extends string | Uint8Array>(client: RingKvClient, keys: readonly K[]): Promise<Map<string, K[]>> {
  const map = await client.admin.clusterMap();
  const ring = ringOf(map);
  const out = new Map<string, K[]>(map.members.map((m) => [m.id, []]));
  for (const k of keys) out.get(ring.ownerOf(hash32(asBytes(k))))!.push(k);
  return out;
}
