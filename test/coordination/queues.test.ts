import { describe, expect, it } from 'vitest';
import { ErrorCode, RingKvError, type QueueMessage, type RingKvClient } from '@ringkv/client';
import { sleep, useInProcessCluster } from './in-process-cluster.js';

describe('queues through a router (3 shards in-process)', () => {
  const env = useInProcessCluster();

  it('producers and consumers, with consumers killed mid-message: every message acknowledged once, none lost', async () => {
    const producers = await Promise.all(Array.from({ length: 3 }, () => env.connect()));
    const pushed = new Set<bigint>();
    const acked = new Map<bigint, number>();
    const bodies = new Map<bigint, string>();
    let killed = 0;
    let producing = true;
    const deadline = Date.now() + 40_000;

    const produce = Promise.all(producers.map(async (client, p) => {
      const q = client.queue('work');
      for (let i = 0; i < 100; i++) {
        const body = `p${p}-${i}`;
        const id = await q.push(body);
        pushed.add(id);
        bodies.set(id, body);
        if (i % 10 === 0) await sleep(5);
      }
    })).finally(() => {
      producing = false;
    });

    // A worker takes messages until it is "killed": it then drops its client with a message
    // popped and not acknowledged, as a crashed process would. A new worker replaces it.
    async function worker(w: number, dieAfter: number): Promise<void> {
      const client: RingKvClient = await env.connect();
      const q = client.queue('work', { visibilityTimeoutMs: 400 });
      let handled = 0;
      try {
        while (Date.now() < deadline) {
          const msg = await q.pop({ waitMs: 200 });
          if (!msg) {
            if (!producing && acked.size >= 300) return;
            continue;
          }
          expect(msg.body.toString()).toBe(bodies.get(msg.id) ?? msg.body.toString());
          if (++handled === dieAfter) {
            killed++;
            return; // killed mid-message: no ack
          }
          await q.ack(msg.receipt);
          acked.set(msg.id, (acked.get(msg.id) ?? 0) + 1);
        }
      } finally {
        await client.close();
      }
      void w;
    }
    const workers = Array.from({ length: 4 }, async (_, w) => {
      for (let life = 0; life < 4 && Date.now() < deadline; life++) {
        await worker(w, life < 3 ? 15 + w * 3 : Infinity);
      }
    });
    try {
      await Promise.all([produce, ...workers]);
    } finally {
      await Promise.all(producers.map((c) => c.close()));
    }
    expect(killed).toBeGreaterThanOrEqual(8);
    expect(pushed.size).toBe(300);
    expect([...pushed].filter((id) => !acked.has(id))).toEqual([]);
    expect([...acked.values()].every((n) => n === 1)).toBe(true);
    await using client = await env.connect();
    expect(await client.queue('work').stats()).toMatchObject({ ready: 0, inFlight: 0, deadLetters: 0 });
  });

  it('first deliveries are in push order: exactly for one consumer, and in order for each of several', async () => {
    await using producer = await env.connect();
    const q = producer.queue('fifo');
    const ids: bigint[] = [];
    for (let i = 0; i < 90; i++) ids.push(await q.push(`m${i}`));
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    // One consumer: exactly the push order.
    const single: QueueMessage[] = [];
    for (let i = 0; i < 30; i++) {
      const m = (await q.pop())!;
      single.push(m);
      await q.ack(m.receipt);
    }
    expect(single.map((m) => m.id)).toEqual(ids.slice(0, 30));
    expect(single.map((m) => m.body.toString())).toEqual(ids.slice(0, 30).map((_, i) => `m${i}`));
    // Several consumers: the shard serves pops one at a time, lowest id first, so what each
    // consumer receives is increasing, and together they receive every message once.
    const consumers = await Promise.all(Array.from({ length: 3 }, () => env.connect()));
    const seen: bigint[][] = consumers.map(() => []);
    try {
      await Promise.all(consumers.map(async (c, i) => {
        const cq = c.queue('fifo');
        for (;;) {
          const m = await cq.pop();
          if (!m) return;
          expect(m.deliveries).toBe(1);
          seen[i]!.push(m.id);
          await cq.ack(m.receipt);
        }
      }));
    } finally {
      await Promise.all(consumers.map((c) => c.close()));
    }
    for (const s of seen) for (let i = 1; i < s.length; i++) expect(s[i]! > s[i - 1]!).toBe(true);
    expect(seen.flat().sort((a, b) => (a < b ? -1 : 1))).toEqual(ids.slice(30));
  });

  it('a message not acknowledged within its visibility timeout is delivered again; the old receipt is then stale', async () => {
    await using client = await env.connect();
    const q = client.queue('visibility');
    const id = await q.push('job');
    const first = (await q.pop({ visibilityTimeoutMs: 300 }))!;
    expect(first).toMatchObject({ id, deliveries: 1 });
    expect(await q.pop()).toBeUndefined();
    expect(await q.stats()).toMatchObject({ ready: 0, inFlight: 1 });
    await sleep(350);
    const second = (await q.pop({ visibilityTimeoutMs: 5_000 }))!;
    expect(second).toMatchObject({ id, deliveries: 2 });
    const err = await q.ack(first.receipt).catch((e: RingKvError) => e);
    expect((err as RingKvError).code).toBe(ErrorCode.STALE_RECEIPT);
    await q.ack(second.receipt);
    expect(await q.stats()).toMatchObject({ ready: 0, inFlight: 0 });
  });

  it('nack with a delay, and dead-lettering after maxDeliveries', async () => {
    await using client = await env.connect();
    const q = client.queue('poison', { maxDeliveries: 3 });
    await q.push('bad');
    for (let i = 1; i <= 3; i++) {
      const m = (await q.pop())!;
      expect(m.deliveries).toBe(i);
      await q.nack(m.receipt, { delayMs: 50 });
      expect(await q.pop()).toBeUndefined();
      await sleep(70);
    }
    expect(await q.pop()).toBeUndefined();
    expect(await q.stats()).toMatchObject({ ready: 0, inFlight: 0, deadLetters: 1 });
    const dlq = q.deadLetters();
    const dead = (await dlq.pop())!;
    expect(dead.body.toString()).toBe('bad');
    const wrong = await q.ack(dead.receipt).catch((e: RingKvError) => e);
    expect((wrong as RingKvError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    await dlq.ack(dead.receipt);
    expect(await dlq.stats()).toMatchObject({ ready: 0, inFlight: 0, deadLetters: 0 });
  });

  it('pop with waitMs blocks until a message arrives, without holding up other operations', async () => {
    await using consumer = await env.connect();
    await using producer = await env.connect();
    const q = consumer.queue('blocking');
    const t0 = Date.now();
    const waiting = q.pop({ waitMs: 5_000 });
    // Other operations of the same client keep flowing while the pop waits.
    await consumer.put('unrelated', 'v');
    expect((await consumer.get('unrelated'))?.toString()).toBe('v');
    expect(Date.now() - t0).toBeLessThan(1_000);
    await sleep(200);
    await producer.queue('blocking').push('hello');
    const m = await waiting;
    expect(m?.body.toString()).toBe('hello');
    expect(Date.now() - t0).toBeLessThan(2_000);
    await q.ack(m!.receipt);
    const t1 = Date.now();
    expect(await q.pop({ waitMs: 300 })).toBeUndefined();
    expect(Date.now() - t1).toBeGreaterThanOrEqual(280);
  });

  it('rejects bad arguments with INVALID_ARGUMENT', async () => {
    await using client = await env.connect();
    const code = (fn: () => unknown) => {
      try {
        fn();
        return 'OK';
      } catch (e) {
        return (e as RingKvError).code;
      }
    };
    expect(code(() => client.queue(''))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => client.queue('q', { maxDeliveries: 0 }))).toBe(ErrorCode.INVALID_ARGUMENT);
    const q = client.queue('q');
    for (const p of [q.pop({ waitMs: 60_000 }), q.pop({ visibilityTimeoutMs: 0 }), q.ack('garbage'), q.nack('', {})]) {
      expect(((await p.catch((e: RingKvError) => e)) as RingKvError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });
});
