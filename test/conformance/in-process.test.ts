import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RingKvClient } from '@ringkv/client';
import { StorageNode } from '@ringkv/node';
import { Router } from '@ringkv/router';
import { describeKvConformance } from './kv-suite.js';

// Servers log JSON to stdout; keep the test output readable unless asked otherwise.
process.env.RINGKV_LOG_LEVEL ??= 'warn';

describeKvConformance('one storage node and a router, in-process', async () => {
  const root = await mkdtemp(join(tmpdir(), 'ringkv-inproc-'));
  const node = await StorageNode.start({ id: 'shard-1', listen: '127.0.0.1:0', dataDir: join(root, 'shard-1') });
  let router: Router | undefined;
  try {
    router = await Router.start({
      listen: '127.0.0.1:0',
      dataDir: join(root, 'router'),
      shards: [{ id: 'shard-1', address: node.address }],
    });
  } catch (err) {
    await node.close();
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  const routers = [router.address];
  const connect = () => RingKvClient.connect({ routers });
  const client = await connect();
  return {
    client,
    connect,
    async close() {
      await client.close();
      await router.close();
      await node.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
