import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { useProcessCluster } from '../helpers/cluster.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * etcd with authentication on: a router logs in with --etcd-user and --etcd-password-file and
 * runs as usual; a wrong password is a start failure that says what is wrong.
 */
async function etcdJson(endpoint: string, path: string, body: object): Promise<void> {
  const res = await fetch(`${endpoint}${path}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(3_000) });
  const text = await res.text();
  if (!res.ok || text.includes('"error"')) throw new Error(`etcd ${path}: HTTP ${res.status} ${text}`);
}

describe('etcd with authentication', () => {
  const env = useProcessCluster({ shards: 1, routers: 1, etcd: true, routerArgs: ['--election-ttl-s', '2'] });

  it('--etcd-user/--etcd-password-file: the router works on an etcd that requires a login; a wrong password is refused at start', async () => {
    const etcd = env.cluster.etcd.endpoint;
    await env.cluster.kill('router', 'SIGTERM');
    await etcdJson(etcd, '/v3/auth/role/add', { name: 'root' });
    await etcdJson(etcd, '/v3/auth/user/add', { name: 'root', password: 'rk-secret' });
    await etcdJson(etcd, '/v3/auth/user/grant', { user: 'root', role: 'root' });
    await etcdJson(etcd, '/v3/auth/enable', {});

    const wrong = join(env.cluster.root, 'wrong-password');
    writeFileSync(wrong, 'nope\n');
    const args = env.cluster.argsOf('router');
    await expect(env.cluster.restart('router', { args: [...args, '--etcd-user', 'root', '--etcd-password-file', wrong] })).rejects.toThrow();
    expect(env.cluster.log('router')).toMatch(/error: \w+: .*(auth|password|credential)/i);

    const good = join(env.cluster.root, 'password');
    writeFileSync(good, 'rk-secret\n');
    await env.cluster.restart('router', { args: [...args, '--etcd-user', 'root', '--etcd-password-file', good] });
    const client = await RingKvClient.connect({ routers: [env.cluster.routerAddress], timeoutMs: 5_000 });
    try {
      const s = await waitUntil('a coordinator on the authenticated etcd', async () => {
        const st = await client.admin.status({ counts: false, timeoutMs: 2_000 }).catch(() => undefined);
        return st?.coordinator ? st : undefined;
      }, 15_000, 100);
      expect(s.controlPlane).toBe('etcd');
      await client.put('after-auth', 'yes');
      expect((await client.get('after-auth'))?.toString()).toBe('yes');
    } finally {
      await client.close();
    }
  }, 60_000);
});
