import { describe, expect, it } from 'vitest';
import { useProcessCluster } from '../helpers/cluster.js';
import { checkHealth } from '../helpers/health.js';
import { listServices } from '../helpers/reflection.js';

/** Every server speaks gRPC health checking and server reflection, so grpcurl-style tools work. */
describe('gRPC health and reflection', () => {
  const env = useProcessCluster({ shards: 2 });

  it('the router reports SERVING for itself and its services, and lists them by reflection', async () => {
    const router = env.cluster.routerAddress;
    expect(await checkHealth(router, '')).toBe('SERVING');
    expect(await checkHealth(router, 'ringkv.v1.KV')).toBe('SERVING');
    expect(await checkHealth(router, 'ringkv.v1.Admin')).toBe('SERVING');
    for (const version of ['v1', 'v1alpha'] as const) {
      const services = await listServices(router, version);
      expect(services).toEqual(expect.arrayContaining(['ringkv.v1.KV', 'ringkv.v1.Admin']));
    }
  });

  it('each storage node reports SERVING and lists ringkv.v1.Node by reflection', async () => {
    for (const id of env.cluster.shardIds) {
      const address = env.cluster.address(id);
      expect(await checkHealth(address, '')).toBe('SERVING');
      expect(await checkHealth(address, 'ringkv.v1.Node')).toBe('SERVING');
      expect(await listServices(address)).toEqual(expect.arrayContaining(['ringkv.v1.Node']));
    }
  });

  it('an unknown service name is not reported SERVING', async () => {
    await expect(checkHealth(env.cluster.routerAddress, 'no.such.Service')).rejects.toMatchObject({ code: 5 });
  });
});
