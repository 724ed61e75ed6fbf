// The systems `pnpm bench` drives with the same load generator, each on a fresh server, and the
// processes whose CPU counts for each (the load generator's own process is `client`).
import { RingKvClient } from '@ringkv/client';
import { startCluster, startRedis } from '../lib/local-cluster.mjs';
import { connectDirect } from './direct-client.mjs';

export const SYSTEMS = {
  ringkv: 'ringkv (SDK -> router -> 3 shards)',
  redis: 'Redis (plain ioredis)',
  'redis-auto': 'Redis (ioredis, enableAutoPipelining)',
  direct: 'ringkv direct (SDK -> shard, no router)',
  generator: 'load generator alone (no server)',
  rf1: 'ringkv RF 1 (--coordinator)',
  rf3: 'ringkv RF 3 (--coordinator)',
};

/** The ringkv processes of `env`, by name, for the CPU meter and the measurement hook. */
function clusterProcs(env) {
  return {
    router: env.routerChild.pid,
    ...Object.fromEntries(env.nodes.map((n) => [n.id, n.child.pid])),
  };
}

async function ringkv(env, transport) {
  const client = await RingKvClient.connect({ routers: [env.router], transport });
  return {
    sys: { get: (k) => client.get(k), put: (k, v) => client.put(k, v) },
    close: () => client.close(),
  };
}

async function ioredis(port, autoPipelining) {
  const { default: Redis } = await import('ioredis');
  const r = new Redis({ host: '127.0.0.1', port, enableAutoPipelining: autoPipelining });
  await r.ping();
  return { sys: { get: (k) => r.getBuffer(k), put: (k, v) => r.set(k, v) }, close: async () => r.quit() };
}

/**
 * Starts `name` and connects to it: `{ sys, procs, hooked, rssOf(), stop() }`. `procs` maps
 * process names to pids ('self' for this process); `hooked` lists the processes that run the
 * measurement hook (bench/lib/cpu-prof-hook.mjs).
 */
export async function startSystem(name, { transport = 'stream' } = {}) {
  if (name === 'generator') {
    // Answers at once: what the load generator itself costs per operation.
    const done = Promise.resolve(undefined);
    return { sys: { get: () => done, put: () => done }, procs: { client: 'self' }, hooked: {}, stop: async () => {} };
  }
  if (name === 'redis' || name === 'redis-auto') {
    const env = await startRedis();
    const c = await ioredis(env.port, name === 'redis-auto');
    return {
      sys: c.sys, procs: { client: 'self', 'redis-server': env.child.pid }, hooked: {},
      stop: async () => {
        await c.close();
        await env.stop();
      },
    };
  }
  const routerArgs = name === 'rf1' || name === 'rf3' ? ['--replication-factor', name.slice(2), '--coordinator'] : [];
  const env = await startCluster({ routerArgs });
  const c = name === 'direct'
    ? await connectDirect(env.router).then((d) => ({ sys: d, close: () => d.close() }))
    : await ringkv(env, transport);
  const procs = clusterProcs(env);
  if (name === 'direct') delete procs.router;
  return {
    sys: c.sys, procs: { client: 'self', ...procs }, hooked: procs,
    rss: () => Object.fromEntries(env.nodes.map((n) => [n.id, env.rssOf(n.child)])),
    stop: async () => {
      await c.close();
      await env.stop();
    },
  };
}
