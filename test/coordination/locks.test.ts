import { describe, expect, it } from 'vitest';
import { ErrorCode, RingKvError, type RingKvClient } from '@ringkv/client';
import { codeOf } from '../helpers/codes.js';
import { FencedResource, sleep, useInProcessCluster } from './in-process-cluster.js';


describe('locks through a router (3 shards in-process)', () => {
  const env = useInProcessCluster();

  it('many clients contending for one lock around a fenced resource: zero violations', async () => {
    const clients: RingKvClient[] = await Promise.all(Array.from({ length: 6 }, () => env.connect()));
    const resource = new FencedResource();
    const tokens: bigint[] = [];
    const deadline = Date.now() + 30_000;
    try {
      await Promise.all(clients.map(async (client, c) => {
        for (let i = 0; i < 12 && Date.now() < deadline; i++) {
          const lock = await client.lock('contended', { ttlMs: 5_000, waitMs: 20_000, owner: `client-${c}` });
          resource.enter(lock.token);
          tokens.push(lock.token);
          expect(resource.write(lock.token)).toBe(true);
          await sleep(1 + (i % 3));
          expect(resource.write(lock.token)).toBe(true);
          resource.leave(lock.token);
          await lock.release();
        }
      }));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
    expect(tokens).toHaveLength(72);
    expect(resource.overlaps).toBe(0);
    expect(resource.rejected).toBe(0);
    // Tokens strictly increase in the order the lock was granted.
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]! > tokens[i - 1]!).toBe(true);
  });

  it('a holder paused past its lease is refused by the fence once another client holds the lock', async () => {
    await using a = await env.connect();
    await using b = await env.connect();
    const resource = new FencedResource();
    const first = await a.lock('paused', { ttlMs: 200 });
    expect(resource.write(first.token)).toBe(true);
    await sleep(350); // a "GC pause" longer than the lease
    expect(first.signal.aborted).toBe(true);
    const second = await b.lock('paused', { ttlMs: 5_000 });
    expect(second.token > first.token).toBe(true);
    expect(resource.write(second.token)).toBe(true);
    // The paused holder wakes up and writes with its old token: the resource refuses it.
    expect(resource.write(first.token)).toBe(false);
    expect(await codeOf(first.renew())).toBe(ErrorCode.LOCK_NOT_HELD);
    expect(await codeOf(first.release())).toBe(ErrorCode.LOCK_NOT_HELD);
    expect(await a.lockStatus('paused')).toMatchObject({ held: true, token: second.token, owner: second.owner });
    await second.release();
  });

  it('fails at once with LOCK_HELD without waitMs, and after about waitMs with it', async () => {
    await using a = await env.connect();
    await using b = await env.connect();
    const held = await a.lock('busy', { ttlMs: 10_000, owner: 'holder-a' });
    const t0 = Date.now();
    const err = await b.lock('busy', { ttlMs: 1_000 }).catch((e: RingKvError) => e);
    expect(err).toBeInstanceOf(RingKvError);
    expect((err as RingKvError).code).toBe(ErrorCode.LOCK_HELD);
    expect((err as RingKvError).message).toContain('holder-a');
    expect(Date.now() - t0).toBeLessThan(1_000);
    const t1 = Date.now();
    expect(await codeOf(b.lock('busy', { ttlMs: 1_000, waitMs: 300 }))).toBe(ErrorCode.LOCK_HELD);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(290);
    // With a wait that outlasts the holder, the lock is granted once it is released.
    setTimeout(() => void held.release(), 150);
    const next = await b.lock('busy', { ttlMs: 1_000, waitMs: 3_000 });
    expect(next.token > held.token).toBe(true);
    await next.release();
  });

  it('autoRenew keeps the lease past its ttl until release; await using releases', async () => {
    await using a = await env.connect();
    await using b = await env.connect();
    {
      await using lock = await a.lock('renewed', { ttlMs: 300, autoRenew: true });
      await sleep(900);
      expect(lock.held).toBe(true);
      expect(lock.signal.aborted).toBe(false);
      expect(await codeOf(b.lock('renewed', { ttlMs: 1_000 }))).toBe(ErrorCode.LOCK_HELD);
      const status = await b.lockStatus('renewed');
      expect(status?.held).toBe(true);
      expect(status!.remainingMs).toBeGreaterThan(0);
      expect(status!.remainingMs).toBeLessThanOrEqual(300);
    }
    expect((await b.lockStatus('renewed'))?.held).toBe(false);
    const other = await b.lock('renewed', { ttlMs: 1_000 });
    await other.release();
  });

  it('a renew with a shorter ttl shortens the lease the handle believes in, as it does on the shard', async () => {
    await using a = await env.connect();
    await using b = await env.connect();
    const lock = await a.lock('shortened', { ttlMs: 60_000 });
    await lock.renew({ ttlMs: 300 });
    expect(lock.leaseEndMs).toBeLessThanOrEqual(Date.now() + 300);
    await sleep(450);
    expect(lock.held).toBe(false);
    expect(lock.signal.aborted).toBe(true);
    const other = await b.lock('shortened', { ttlMs: 1_000 });
    expect(other.token > lock.token).toBe(true);
    await other.release();
  });

  it('status of a lock never taken is undefined; bad arguments fail with INVALID_ARGUMENT before sending', async () => {
    await using a = await env.connect();
    expect(await a.lockStatus('never-taken')).toBeUndefined();
    expect(await codeOf(a.lock('', { ttlMs: 100 }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(a.lock('x', {} as never))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(a.lock('x', { ttlMs: -5 }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(a.lock('x', { ttlMs: 100, waitMs: Number.NaN }))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(a.lock('a\u0000b', { ttlMs: 100 }))).toBe(ErrorCode.INVALID_ARGUMENT);
    // Reserved keys cannot be read or written as plain keys.
    expect(await codeOf(a.put(Buffer.from([0xff, 0x00, 0x4c, 0x78]), 'forged'))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});
