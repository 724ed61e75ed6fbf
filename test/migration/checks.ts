import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { RingKvClient, type ClusterMap, type ClusterStatus } from '@ringkv/client';
import type { ProcessCluster } from '../helpers/cluster.js';
import { ExtraNode } from '../helpers/node-process.js';
import { uniquePrefix } from '../helpers/keys.js';
import { Ring, arcContains, hash32, ringOf, type ArcChange } from '@ringkv/core';
import { mapLimit } from '../helpers/keys.js';
import { sleep } from '../helpers/wait.js';

// What the migration tests check after every membership change, and the concurrent load
// they run during it.

/**
 * What a key may hold: its last acknowledged value (undefined = deleted or never written), or,
 * once an operation on it failed (its effect is unknown), either the value before that
 * operation or the one it tried to write. A key is left alone after a failure.
 */
export class KeyModel {
  readonly #acked = new Map<string, string | undefined>();
  readonly #uncertain = new Map<string, Array<string | undefined>>();

  get keys(): string[] {
    return [...this.#acked.keys()];
  }

  get uncertainKeys(): string[] {
    return [...this.#uncertain.keys()];
  }

  isUncertain(key: string): boolean {
    return this.#uncertain.has(key);
  }

  ack(key: string, value: string | undefined): void {
    if (this.#uncertain.has(key)) throw new Error(`${key} is uncertain; it must not be written again`);
    this.#acked.set(key, value);
  }

  fail(key: string, attempted: string | undefined): void {
    this.#uncertain.set(key, [this.#acked.get(key), attempted]);
  }

  /** The values a read of `key` may return. */
  allowed(key: string): Array<string | undefined> {
    return this.#uncertain.get(key) ?? [this.#acked.get(key)];
  }
}

/** Writes `count` keys `${prefix}${i}` in batches; every write is acknowledged or the call throws. */
export async function load(client: RingKvClient, model: KeyModel, prefix: string, count: number, valueBytes = 64): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const pad = 'x'.repeat(Math.max(0, valueBytes - 16));
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += 1000) chunks.push(keys.slice(i, i + 1000));
  await mapLimit(chunks, 2, async (chunk) => {
    const entries = chunk.map((key) => ({ key, value: `v0:${key.slice(-8)}:${pad}` }));
    await client.batchPut(entries, { timeoutMs: 30_000 });
    for (const e of entries) model.ack(e.key, e.value);
  });
  return keys;
}

/** Reads every key of the model and returns the mismatches (at most `max` of them) and the live keys. */
export async function readAll(client: RingKvClient, model: KeyModel, max = 20): Promise<{ live: string[]; bad: string[] }> {
  const keys = model.keys;
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += 500) chunks.push(keys.slice(i, i + 500));
  const live: string[] = [];
  const bad: string[] = [];
  await mapLimit(chunks, 4, async (chunk) => {
    const values = await client.batchGet(chunk, { timeoutMs: 30_000 });
    chunk.forEach((key, i) => {
      const got = values[i]?.toString('utf8');
      if (got !== undefined) live.push(key);
      const allowed = model.allowed(key);
      if (!allowed.includes(got) && bad.length < max) {
        bad.push(`${key}: read ${JSON.stringify(got)}, expected ${allowed.map((v) => JSON.stringify(v)).join(' or ')}`);
      }
    });
  });
  return { live, bad };
}

/** How many of `keys` each member of the map's ring owns. */
export function expectedCounts(map: ClusterMap, keys: readonly string[]): Map<string, number> {
  const ring = ringOf(map);
  const out = new Map<string, number>(map.members.map((m) => [m.id, 0]));
  for (const k of keys) {
    const owner = ring.ownerOf(hash32(Buffer.from(k, 'utf8')));
    out.set(owner, out.get(owner)! + 1);
  }
  return out;
}

/** The arcs whose owner changes between two member lists, as the router must plan them. */
export function ringDiff(map: ClusterMap, next: Array<{ id: string; weight: number }>): ArcChange[] {
  return Ring.diff(ringOf(map), new Ring(next, map.vnodesPerWeight));
}

export function keysIn(arcs: readonly ArcChange[], keys: readonly string[]): string[] {
  return keys.filter((k) => {
    const h = hash32(Buffer.from(k, 'utf8'));
    return arcs.some((a) => arcContains(a, h));
  });
}

/** Waits until the router's map has no migration left and its epoch is at least `since`. */
export async function waitSettled(client: RingKvClient, since: bigint, timeoutMs = 60_000): Promise<ClusterMap> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const map = await client.admin.clusterMap({ timeoutMs: 3_000 });
      if (map.epoch >= since && map.migrations.length === 0 && map.nextMembers.length === 0) return map;
      last = `epoch ${map.epoch}, ${map.migrations.filter((m) => m.state !== 'done').length}/${map.migrations.length} arcs left`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`migration not finished within ${timeoutMs} ms: ${last}`);
    await sleep(200);
  }
}

/**
 * Waits until the migration is mid-way: at least one arc done and one matching `pick` (for
 * example `copying`), polling the cheap cluster map. Fails if the migration ends first; with `notBefore`, it waits for an epoch after it first.
 */
export async function waitMidway(
  client: RingKvClient, pick: (m: ClusterMap['migrations'][number]) => boolean, options: { timeoutMs?: number; notBefore?: bigint } = {},
): Promise<ClusterMap> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const map = await client.admin.clusterMap({ timeoutMs: 3_000 });
    // Until the epoch passes `notBefore` the change is not committed yet.
    const started = options.notBefore === undefined || map.epoch > options.notBefore;
    if (started && map.migrations.length === 0) throw new Error(`no migration in progress at epoch ${map.epoch}: it ended before the kill`);
    if (started && map.migrations.some((m) => m.state === 'done') && map.migrations.some(pick)) return map;
    if (Date.now() > deadline) throw new Error(`the migration did not reach the wanted state within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Waits until every shard's live key count (status, which counts what each node holds on
 * disk) equals what the ring of `map` puts on it: the old owners hold none of the moved keys
 * once their range cleanup ran, which is asynchronous, hence the wait.
 */
export async function waitForPlacement(client: RingKvClient, map: ClusterMap, live: readonly string[], timeoutMs = 20_000): Promise<ClusterStatus> {
  const expected = expectedCounts(map, live);
  const deadline = Date.now() + timeoutMs;
  let status: ClusterStatus | undefined;
  for (;;) {
    status = await client.admin.status({ timeoutMs: 10_000 });
    const got = new Map(status.shards.map((s) => [s.id, Number(s.keys)]));
    const ok = status.shards.length === expected.size && [...expected].every(([id, n]) => got.get(id) === n);
    if (ok || Date.now() > deadline) {
      expect(Object.fromEntries(got), 'live keys per shard (status) vs the ring of the final map').toEqual(Object.fromEntries(expected));
      return status;
    }
    await sleep(300);
  }
}

/** The checks of a finished change: every key reads back, placement matches the ring, totals add up. */
export async function checkSettled(client: RingKvClient, model: KeyModel, since: bigint): Promise<{ map: ClusterMap; status: ClusterStatus; live: string[] }> {
  const map = await waitSettled(client, since);
  const { live, bad } = await readAll(client, model);
  expect(bad, 'keys whose value is not their last acknowledged write').toEqual([]);
  const status = await waitForPlacement(client, map, live);
  expect(status.migrations).toEqual([]);
  expect(status.shards.filter((s) => !s.reachable || s.state !== 'active').map((s) => `${s.id}: ${s.state} ${s.error ?? ''}`)).toEqual([]);
  const total = status.shards.reduce((a, s) => a + Number(s.keys), 0);
  expect(total, 'live keys across shards').toBe(live.length);
  return { map, status, live };
}

export interface LoadStats {
  puts: number;
  deletes: number;
  failed: number;
  /** Acknowledged operations that ran while `during()` was true. */
  during: number;
  /** Keys with at least one acknowledged operation while `during()` was true. */
  touchedDuring: Set<string>;
  errors: Map<string, number>;
}

/**
 * Concurrent writers and deleters: `workers` loops, each owning its slice of `keys` (so the
 * last acknowledged write of a key is well defined), putting fresh values or deleting, until
 * stopped or `maxMs` passed. A failed operation makes its key uncertain and retires it.
 */
export class Churn {
  readonly stats: LoadStats = { puts: 0, deletes: 0, failed: 0, during: 0, touchedDuring: new Set(), errors: new Map() };
  #stopped = false;
  readonly #done: Promise<void>;

  constructor(client: RingKvClient, model: KeyModel, keys: readonly string[], options: { workers?: number; maxMs?: number; during?: () => boolean; opTimeoutMs?: number } = {}) {
    const workers = options.workers ?? 4;
    const until = Date.now() + (options.maxMs ?? 60_000);
    const during = options.during ?? (() => false);
    this.#done = Promise.all(Array.from({ length: workers }, async (_, w) => {
      const mine = keys.filter((_, i) => i % workers === w);
      let seq = 0;
      while (!this.#stopped && Date.now() < until) {
        const live = mine.filter((k) => !model.isUncertain(k));
        if (live.length === 0) return;
        const key = live[Math.floor(Math.random() * live.length)]!;
        const del = Math.random() < 0.3;
        const value = del ? undefined : `w${w}:${++seq}`;
        const inMigration = during();
        try {
          if (del) await client.delete(key, { timeoutMs: options.opTimeoutMs ?? 5_000 });
          else await client.put(key, value!, { timeoutMs: options.opTimeoutMs ?? 5_000 });
          model.ack(key, value);
          if (del) this.stats.deletes++;
          else this.stats.puts++;
          if (inMigration && during()) {
            this.stats.during++;
            this.stats.touchedDuring.add(key);
          }
        } catch (err) {
          model.fail(key, value);
          this.stats.failed++;
          const code = (err as { code?: string }).code ?? 'ERROR';
          this.stats.errors.set(code, (this.stats.errors.get(code) ?? 0) + 1);
        }
      }
    })).then(() => undefined);
  }

  /** Stops the loops and waits for the operations in flight. */
  async stop(): Promise<LoadStats> {
    this.#stopped = true;
    await this.#done;
    return this.stats;
  }
}

/** What a migration test starts from: a client, `count` loaded keys, and a spare `shard-4` process. */
export interface MigrationFixture {
  readonly client: RingKvClient;
  readonly node4: ExtraNode;
  readonly keys: string[];
}

/**
 * Registers the hooks that load `count` keys under a fresh `label` prefix into the cluster
 * and start a spare `shard-4` node (not yet a member), print its log tail when a test fails,
 * and close both afterwards.
 */
export function useMigrationFixture(env: { readonly cluster: ProcessCluster }, model: KeyModel, label: string, count: number): MigrationFixture {
  const f = {} as { client: RingKvClient; node4: ExtraNode; keys: string[] };
  beforeAll(async () => {
    f.client = await RingKvClient.connect({ routers: [env.cluster.routerAddress] });
    [f.keys, f.node4] = await Promise.all([
      load(f.client, model, uniquePrefix(label), count),
      ExtraNode.start('shard-4', { root: env.cluster.root }),
    ]);
  });
  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      process.stderr.write(`----- shard-4 (${f.node4?.logPath}) -----\n${f.node4?.logTail(25) ?? ''}\n`);
    });
  });
  afterAll(async () => {
    await f.client?.close();
    await f.node4?.stop();
  });
  return f;
}

/** A shard's live key count is within ±25% of `ideal`. */
export function expectNear(status: ClusterStatus, shardId: string, ideal: number): void {
  const shard = status.shards.find((s) => s.id === shardId);
  expect(shard, `${shardId} in status`).toBeDefined();
  const keys = Number(shard!.keys);
  expect(keys, `${shardId} holds ${keys} keys, ideal ${ideal}`).toBeGreaterThanOrEqual(ideal * 0.75);
  expect(keys, `${shardId} holds ${keys} keys, ideal ${ideal}`).toBeLessThanOrEqual(ideal * 1.25);
}
