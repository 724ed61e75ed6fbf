import { RingKvClient } from '@ringkv/client';
import { describeKvConformance } from '../conformance/kv-suite.js';
import { ContainerCluster } from './cluster.js';

// The KV contract, against 3 storage nodes and a router each in a container of the ringkv image,
// on a private Docker network; the SDK on the host reaches the router through its mapped port.
describeKvConformance('3 shards and a router in containers of the ringkv image', async () => {
  const cluster = await ContainerCluster.start({ shards: 3 });
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
