import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, RingKvClient } from '@ringkv/client';
import { Ring, keyHash, lockKey, queueKey } from '@ringkv/core';
import { useProcessCluster } from '../helpers/cluster.js';
import { codeOf } from '../helpers/codes.js';
import { ExtraNode } from '../helpers/node-process.js';
import { waitForMigrations } from '../helpers/membership.js';
import { track } from '../helpers/reaper.js';
import { waitUntil } from '../helpers/wait.js';

const CONSUMER = fileURLToPath(new URL('./consumer-process.mjs', import.meta.url));
const members = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `shard-${i + 1}`, weight: 1 }));

/** A lock or queue name whose key moves from the first 3 shards to shard-4 when it joins. */
function movingName(prefix: string, keyOf: (name: string) => Buffer): string {
  const before = new Ring(members(3));
  const after = new Ring(members(4));
  for (let i = 0; ; i++) {
    const name = `${prefix}-${i}`;
    const h = keyHash(keyOf(name));
    if (after.ownerOf(h) === 'shard-4' && before.ownerOf(h) !== 'shard-4') return name;
  }
}


describe('locks and queues across a migration and shard restarts (separate processes)', () => {
  const env = useProcessCluster({ shards: 3 });
  let client: RingKvClient;
  let node4: ExtraNode;

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: [env.cluster.routerAddress] });
    node4 = await ExtraNode.start('shard-4', { root: env.cluster.root });
  });
  afterAll(async () => {
    await client?.close();
    await node4?.stop();
  });

  it('a held lock and a queue move with their arc to a new shard and survive its SIGKILL: tokens keep increasing, nothing is lost', async () => {
    const lockName = movingName('lock', lockKey);
    const queueName = movingName('queue', queueKey);
    const holder = await client.lock(lockName, { ttlMs: 120_000, owner: 'holder' });
    const q = client.queue(queueName, { visibilityTimeoutMs: 120_000 });
    const ids: bigint[] = [];
    for (let i = 0; i < 40; i++) ids.push(await q.push(`before-${i}`));
    const inFlight = [(await q.pop())!, (await q.pop())!, (await q.pop())!];
    expect(inFlight.map((m) => m.id)).toEqual(ids.slice(0, 3));

    // Pushes and lock renewals keep going while the arcs move (writes forwarded, then handed off).
    let moving = true;
    const during: bigint[] = [];
    const background = (async () => {
      for (let i = 0; i < 500 && moving; i++) {
        during.push(await q.push(`during-${i}`));
        if (i % 20 === 0) await holder.renew();
      }
    })();
    await client.admin.addShard('shard-4', node4.address);
    await waitForMigrations(client);
    moving = false;
    await background;
    expect(during.length).toBeGreaterThan(0);

    expect(await client.lockStatus(lockName)).toMatchObject({ held: true, token: holder.token, owner: 'holder' });
    expect(await codeOf(client.lock(lockName, { ttlMs: 1_000 }))).toBe(ErrorCode.LOCK_HELD);
    await holder.renew();
    expect(await q.stats()).toMatchObject({ ready: 37 + during.length, inFlight: 3 });
    await q.ack(inFlight[0]!.receipt); // a receipt from before the move still works

    // Both now live on shard-4: with it down they are unavailable, and nothing is lost.
    await node4.kill('SIGKILL');
    expect(await codeOf(client.lockStatus(lockName, { timeoutMs: 1_500 }))).toMatch(/UNAVAILABLE|DEADLINE_EXCEEDED/);
    expect(await codeOf(q.stats({ timeoutMs: 1_500 }))).toMatch(/UNAVAILABLE|DEADLINE_EXCEEDED/);
    await node4.restart();

    // The router reconnects to the restarted shard within a moment (UNAVAILABLE until then).
    const status = await waitUntil('shard-4 serving again', () => client.lockStatus(lockName, { timeoutMs: 2_000 }));
    expect(status).toMatchObject({ held: true, token: holder.token });
    await holder.release();
    const next = await client.lock(lockName, { ttlMs: 5_000 });
    expect(next.token > holder.token).toBe(true);
    await next.release();

    expect(await q.stats()).toMatchObject({ ready: 37 + during.length, inFlight: 2 });
    const rest: bigint[] = [];
    for (;;) {
      const m = await q.pop({ visibilityTimeoutMs: 60_000 });
      if (!m) break;
      expect(m.deliveries).toBe(1);
      rest.push(m.id);
      await q.ack(m.receipt);
    }
    expect(rest).toEqual([...ids.slice(3), ...during]);
    await q.ack(inFlight[1]!.receipt);
    await q.ack(inFlight[2]!.receipt);
    expect(await q.stats()).toMatchObject({ ready: 0, inFlight: 0 });
    const later = await q.push('after-restart');
    expect(later > during[during.length - 1]!).toBe(true);
  });

  it('a lock keeps its token and the queue its messages across a SIGKILL of a shard of the original three', async () => {
    const ring = new Ring((await client.admin.clusterMap()).members);
    let lockName = '';
    for (let i = 0; !lockName; i++) if (ring.ownerOf(keyHash(lockKey(`restart-${i}`))) === 'shard-2') lockName = `restart-${i}`;
    const a = await client.lock(lockName, { ttlMs: 60_000 });
    const q = client.queue(lockName, { visibilityTimeoutMs: 60_000 });
    await q.push('x');
    await env.cluster.kill('shard-2', 'SIGKILL');
    await env.cluster.restart('shard-2');
    const status = await waitUntil('shard-2 serving again', () => client.lockStatus(lockName, { timeoutMs: 2_000 }));
    expect(status).toMatchObject({ held: true, token: a.token });
    await a.release();
    const b = await client.lock(lockName, { ttlMs: 1_000 });
    expect(b.token > a.token).toBe(true);
    await b.release();
    expect((await q.pop())?.body.toString()).toBe('x');
  });

  it('a consumer process killed with SIGKILL mid-message: the message is delivered again after its visibility timeout', async () => {
    const q = client.queue('killed-consumer');
    const id = await q.push('job-1');
    const child = spawn(process.execPath, [CONSUMER, env.cluster.routerAddress, 'killed-consumer', '800'], { stdio: ['ignore', 'pipe', 'inherit'] });
    track(child);
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    expect(JSON.parse(line.toString())).toMatchObject({ id: id.toString(), body: 'job-1', deliveries: 1 });
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await q.pop()).toBeUndefined(); // still invisible: the dead consumer's timeout runs
    const deadline = Date.now() + 5_000;
    let again;
    while (!again && Date.now() < deadline) again = await q.pop({ waitMs: 500 });
    expect(again).toMatchObject({ id, deliveries: 2 });
    await q.ack(again!.receipt);
  });
});
