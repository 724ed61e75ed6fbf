import { RingKvClient } from '@ringkv/client';
import { ProcessCluster } from '../helpers/cluster.js';
import { describeKvConformance } from './kv-suite.js';

describeKvConformance('a router and 3 storage nodes as separate processes', async () => {
  const cluster = await ProcessCluster.start({ shards: 3 });
  try {
    const routers = [cluster.routerAddress];
    const connect = () => RingKvClient.connect({ routers });
    const client = await connect();
    return {
      client,
      connect,
      async close() {
        await client.close();
        await cluster.stop();
      },
    };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
});
