import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { RingKvClient } from '@ringkv/client';
import { IMAGE, RUN_LABEL } from './docker.js';

/**
 * The recipe docs/DOCKER.md gives applications for their own tests: a whole cluster (`ringkv
 * dev`: 3 shards and a router) in one container of the image, the router's port mapped.
 */
describe('ringkv dev in one container (the testcontainers recipe of docs/DOCKER.md)', () => {
  let ringkv: StartedTestContainer;
  let client: RingKvClient;

  beforeAll(async () => {
    ringkv = await new GenericContainer(IMAGE)
      .withCommand(['ringkv', 'dev', '--host', '0.0.0.0', '--data-dir', '/data/dev'])
      .withExposedPorts(7400)
      .withWaitStrategy(Wait.forLogMessage(/ringkv dev cluster is up/))
      .withLabels({ [RUN_LABEL]: inject('ringkvTestRun') })
      .start();
    client = await RingKvClient.connect({ routers: [`${ringkv.getHost()}:${ringkv.getMappedPort(7400)}`] });
  });
  afterAll(async () => {
    await client?.close();
    await ringkv?.stop();
  });

  it('serves puts, gets, compare-and-set and scans', async () => {
    const v1 = await client.put('user:42', 'Ada');
    expect((await client.get('user:42'))?.toString()).toBe('Ada');
    await client.put('user:42', 'Grace', { ifVersion: v1 });
    await expect(client.put('user:42', 'Linus', { ifVersion: v1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    await client.batchPut([{ key: 'user:1', value: 'a' }, { key: 'user:2', value: 'b' }]);
    const keys: string[] = [];
    for await (const { key } of client.scan({ prefix: 'user:' })) keys.push(key.toString());
    expect(keys.sort()).toEqual(['user:1', 'user:2', 'user:42']);
  });

  it('runs 3 shards behind its router', async () => {
    const status = await client.admin.status();
    expect(status.shards.map((s) => s.id)).toEqual(['shard-1', 'shard-2', 'shard-3']);
    expect(status.shards.every((s) => s.reachable)).toBe(true);
  });
});
