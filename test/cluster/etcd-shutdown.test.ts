import { describe, expect, it } from 'vitest';
import { useProcessCluster } from '../helpers/cluster.js';

/**
 * A router on etcd stopped (SIGTERM) while etcd does not answer: stepping down (deleting its
 * leader key, revoking its session) cannot happen, and must not hold the process: it exits
 * within its grace period, and the leader key expires with its lease.
 */
describe('a router on etcd stopped while etcd is stalled', () => {
  const env = useProcessCluster({ shards: 1, routers: 1, etcd: true, routerArgs: ['--election-ttl-s', '2'] });

  it('SIGTERM: it exits within its grace period (steps down as far as etcd lets it)', async () => {
    const etcd = env.cluster.etcd;
    etcd.signal('SIGSTOP');
    try {
      const started = Date.now();
      const exit = await env.cluster.kill('router', 'SIGTERM', 20_000);
      const ms = Date.now() - started;
      console.log(`[shutdown] router exited ${ms} ms after SIGTERM with etcd stalled (code ${exit.code})`);
      expect(exit.code).toBe(0);
      // Control plane bounded by half the 5 s grace, then the (idle) server closes at once.
      expect(ms).toBeLessThan(4_500);
      expect(env.cluster.log('router')).toMatch(/control plane did not close in time[\s\S]*router closed/);
    } finally {
      etcd.signal('SIGCONT');
    }
  }, 60_000);
});
