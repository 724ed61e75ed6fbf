import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, RingKvClient, RingKvError } from '@ringkv/client';
import { Ownership, hash32 } from '@ringkv/core';
import { useProcessCluster } from '../helpers/cluster.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { replicationRouterArgs } from '../replication/writers.js';
import { HistoryRecorder, checkHistory, type RegisterOp } from './checker.js';

/**
 * Per-key linearizability across a failover: with replication factor 3, clients run
 * get / put / CAS / delete on keys half of which the victim leads; the victim is SIGKILLed
 * (its arcs fail over to in-sync replicas), later restarted (it catches up and leads again).
 * The history is checked with the Wing–Gong style checker.
 */
const CLIENTS = 5;
const MAX_OPS = 40_000;
const MAX_RUN_MS = 40_000;
/** Error codes after which a write was certainly not applied. */
const NOT_APPLIED = new Set<string>([ErrorCode.TRY_AGAIN, ErrorCode.INVALID_ARGUMENT]);

describe('linearizability across a failover (replicationFactor 3)', () => {
  const env = useProcessCluster({ shards: 3, routerArgs: replicationRouterArgs });
  const clients: RingKvClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  it('a get/put/cas/delete history on keys led by a shard that is killed and comes back is linearizable', async () => {
    const cluster = env.cluster;
    const victim = 'shard-1';
    const admin = await RingKvClient.connect({ routers: [cluster.routerAddress] });
    clients.push(admin);
    const own = new Ownership(await admin.admin.clusterMap());
    const keys: string[] = [];
    for (let i = 0, led = 0, other = 0; led + other < 8; i++) {
      const key = `linfo/${i}`;
      const mine = own.ownerOf(hash32(Buffer.from(key))) === victim;
      if (mine && led < 4) led++;
      else if (!mine && other < 4) other++;
      else continue;
      keys.push(key);
    }
    for (let c = 0; c < CLIENTS; c++) clients.push(await RingKvClient.connect({ routers: [cluster.routerAddress], timeoutMs: 4_000 }));
    const history = new HistoryRecorder();
    const errors = new Map<string, number>();
    let stopped = false;
    let opsStarted = 0;
    const t0 = performance.now();
    const stop = () => stopped || opsStarted >= MAX_OPS || performance.now() - t0 > MAX_RUN_MS;
    const loop = async (c: number, client: RingKvClient) => {
      let seed = 0x2545f491 * (c + 1);
      const rnd = () => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return (seed >>> 0) / 2 ** 32;
      };
      const lastVersion = new Map<string, bigint>();
      let seq = 0;
      while (!stop()) {
        opsStarted++;
        const key = keys[Math.floor(rnd() * keys.length)]!;
        const p = rnd();
        const value = `c${c}-${seq++}`;
        const op: RegisterOp =
          p < 0.4 ? { kind: 'read' }
          : p < 0.7 ? { kind: 'write', value }
          : p < 0.95 ? { kind: 'cas', expectedVersion: lastVersion.get(key) ?? 1n, value }
          : { kind: 'delete' };
        const id = history.invoke(c, key, op);
        try {
          switch (op.kind) {
            case 'read': {
              const e = await client.getEntry(key);
              history.ok(id, { kind: 'read', value: e?.value.toString('utf8'), ...(e ? { version: e.version } : {}) });
              if (e) lastVersion.set(key, e.version);
              break;
            }
            case 'write': {
              const version = await client.put(key, op.value);
              history.ok(id, { kind: 'written', version });
              lastVersion.set(key, version);
              break;
            }
            case 'cas': {
              const version = await client.put(key, op.value, { ifVersion: op.expectedVersion });
              history.ok(id, { kind: 'written', version });
              lastVersion.set(key, version);
              break;
            }
            case 'delete': {
              const existed = await client.delete(key);
              history.ok(id, { kind: 'deleted', existed });
              lastVersion.delete(key);
              break;
            }
          }
        } catch (err) {
          const code = err instanceof RingKvError ? err.code : 'NON_RINGKV_ERROR';
          if (op.kind === 'cas' && code === ErrorCode.CONFLICT) {
            history.ok(id, { kind: 'conflict' });
            continue;
          }
          errors.set(`${op.kind}:${code}`, (errors.get(`${op.kind}:${code}`) ?? 0) + 1);
          if (op.kind === 'read' || NOT_APPLIED.has(code)) history.fail(id, `${code}: ${(err as Error).message}`);
          else history.info(id, `${code}: ${(err as Error).message}`);
          await sleep(10);
        }
      }
    };
    const loops = clients.slice(1).map((c, i) => loop(i + 1, c));
    let killedAt = 0;
    let restartedAt = 0;
    try {
      await sleep(2_000);
      killedAt = performance.now();
      await cluster.kill(victim, 'SIGKILL');
      await waitUntil('failover', async () => ((await admin.admin.clusterMap()).replicaStates.some((r) => r.id === victim) ? true : undefined), 15_000, 100);
      await sleep(4_000);
      restartedAt = performance.now();
      await cluster.restart(victim);
      await waitUntil(`${victim} back in sync`, async () => ((await admin.admin.clusterMap()).replicaStates.length === 0 ? true : undefined), 30_000, 200);
      await sleep(3_000);
    } finally {
      stopped = true;
      await Promise.all(loops);
    }
    expect(history.pending).toBe(0);
    const ops = history.operations();
    const result = checkHistory(ops);
    const perKind = new Map<string, number>();
    for (const o of ops) {
      const k = `${o.op.kind}:${o.outcome === 'ok' ? o.result!.kind : o.outcome}`;
      perKind.set(k, (perKind.get(k) ?? 0) + 1);
    }
    const okAfter = (t: number) => ops.filter((o) => o.start > t && o.outcome === 'ok').length;
    console.log([
      `linearizability with failover: ${ops.length} ops by ${CLIENTS} clients on ${keys.length} keys (4 led by ${victim})`,
      `  outcomes: ${[...perKind].sort().map(([k, n]) => `${k}=${n}`).join(', ')}`,
      `  errors: ${errors.size ? [...errors].map(([k, n]) => `${k}=${n}`).join(', ') : 'none'}`,
      `  ok ops after the kill: ${okAfter(killedAt)}, after the restart: ${okAfter(restartedAt)}`,
      `  verdict: ${result.ok ? 'linearizable' : `${result.violations.length} violation(s), ${result.unknown.length} undecided`}`,
    ].join('\n'));
    for (const v of result.violations) console.log(v.explanation);
    expect(result.violations.map((v) => v.explanation)).toEqual([]);
    expect(result.unknown.map((u) => u.key)).toEqual([]);
    // The history covers the failover and the return.
    expect(okAfter(killedAt) - okAfter(restartedAt)).toBeGreaterThan(200);
    expect(okAfter(restartedAt)).toBeGreaterThan(200);
    for (const kind of ['read:read', 'write:written', 'cas:written', 'cas:conflict']) expect(perKind.get(kind) ?? 0, kind).toBeGreaterThan(0);
  }, 120_000);
});
