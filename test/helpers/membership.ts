import { credentials } from '@grpc/grpc-js';
import type { ClusterMap, RingKvClient } from '@ringkv/client';
import { AdminService, RingKvError, fromGrpcError, type PlanResponse__Output } from '@ringkv/core';
import { sleep } from './wait.js';

/** What a committed membership change plans to move. */
export interface PlanSummary {
  arcs: number;
  estimatedKeys: bigint;
  estimatedBytes: bigint;
  fraction: number;
}

type SdkAdmin = {
  addShard?: (id: string, address: string, options?: { weight?: number }) => Promise<unknown>;
  removeShard?: (id: string, options?: object) => Promise<unknown>;
};

function summary(res: unknown): PlanSummary {
  const r = (res ?? {}) as { arcs?: unknown[]; estimatedKeys?: unknown; estimatedBytes?: unknown; fraction?: unknown };
  const big = (v: unknown) => (typeof v === 'bigint' ? v : typeof v === 'string' || typeof v === 'number' ? BigInt(v) : 0n);
  return { arcs: r.arcs?.length ?? 0, estimatedKeys: big(r.estimatedKeys), estimatedBytes: big(r.estimatedBytes), fraction: Number(r.fraction ?? 0) };
}

/** One Admin RPC straight to a router (for what the SDK does not offer yet). */
function adminRpc(routerAddress: string, method: 'AddShard' | 'RemoveShard', request: object, timeoutMs = 30_000): Promise<PlanResponse__Output> {
  const client = new AdminService(routerAddress, credentials.createInsecure());
  return new Promise<PlanResponse__Output>((resolve, reject) => {
    (client[method] as (req: object, opts: object, cb: (err: unknown, res?: PlanResponse__Output) => void) => void).call(
      client,
      request,
      { deadline: Date.now() + timeoutMs },
      (err, res) => {
        client.close();
        if (err) reject(fromGrpcError(err));
        else resolve(res!);
      },
    );
  });
}

/** Adds a shard (its process must be running): through the SDK's admin API when it has one, else the Admin RPC. */
export async function addShard(client: RingKvClient, routerAddress: string, id: string, address: string, weight = 1): Promise<PlanSummary> {
  const admin = client.admin as unknown as SdkAdmin;
  if (typeof admin.addShard === 'function') return summary(await admin.addShard(id, address, { weight }));
  return summary(await adminRpc(routerAddress, 'AddShard', { id, address, weight, dryRun: false }));
}

/** Starts draining a shard out of the cluster. */
export async function removeShard(client: RingKvClient, routerAddress: string, id: string): Promise<PlanSummary> {
  const admin = client.admin as unknown as SdkAdmin;
  if (typeof admin.removeShard === 'function') return summary(await admin.removeShard(id));
  return summary(await adminRpc(routerAddress, 'RemoveShard', { id, dryRun: false }));
}

/**
 * Waits until the router's map has no migration left (polling the cheap cluster map, not the
 * status, which counts keys on every shard). Returns the final map.
 */
export async function waitForMigrations(client: RingKvClient, timeoutMs = 60_000, intervalMs = 100): Promise<ClusterMap> {
  const deadline = Date.now() + timeoutMs;
  let last: ClusterMap | undefined;
  let lastError = '';
  for (;;) {
    try {
      last = await client.admin.clusterMap({ timeoutMs: 3_000 });
      if (last.migrations.length === 0 && last.nextMembers.length === 0) return last;
    } catch (err) {
      lastError = err instanceof RingKvError ? `${err.code}: ${err.message}` : String(err);
    }
    if (Date.now() >= deadline) {
      const left = last ? `${last.migrations.filter((m) => m.state !== 'done').length} of ${last.migrations.length} arcs not done` : 'no map';
      throw new Error(`migration not finished within ${timeoutMs} ms (${left}${lastError ? `; last error ${lastError}` : ''})`);
    }
    await sleep(intervalMs);
  }
}
