import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { EtcdLeadership, staleEvent } from '../src/control/leadership-etcd.js';
import { etcdKeys } from '../src/control/etcd-client.js';

const log = { info() {}, warn() {}, error() {}, debug() {} } as never;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A fake etcd with just what the election uses: a campaign transaction that wins at revision
 * 10, a range that finds no leader, and a watch on the leader key whose events the test sends.
 */
function fakeEtcd() {
  const watcher = Object.assign(new EventEmitter(), { cancel: async () => undefined });
  const etcd = {
    kv: {
      range: async () => ({ kvs: [], header: { revision: '8' } }),
      txn: async () => ({ succeeded: true, header: { revision: '10' }, responses: [] }),
    },
    watch: () => ({ key: () => ({ startRevision: () => ({ create: async () => watcher }) }) }),
  };
  const session = {
    ttlSeconds: 2, leaseId: 'L1', alive: true,
    start() {}, onLost() {}, ready: async () => 'L1',
  };
  return { etcd, session, watcher };
}

describe('EtcdLeadership and its watch of the leader key', () => {
  let leadership: EtcdLeadership | undefined;
  afterEach(async () => {
    await leadership?.close();
    leadership = undefined;
  });

  it('staleEvent: an event older than our term is stale; ours and later ones are not', () => {
    expect(staleEvent({ mod_revision: '9' }, { createRevision: '10' })).toBe(true);
    expect(staleEvent({ mod_revision: '10' }, { createRevision: '10' })).toBe(false);
    expect(staleEvent({ mod_revision: '11' }, { createRevision: '10' })).toBe(false);
    expect(staleEvent({ mod_revision: '9' }, undefined)).toBe(false);
  });

  it('the previous leader key deleted (an event older than our win, delivered late) does not depose us; a later deletion does', async () => {
    const { etcd, session, watcher } = fakeEtcd();
    leadership = new EtcdLeadership(etcd as never, session as never, etcdKeys('t'), { id: 'r1', address: '127.0.0.1:1' }, log);
    leadership.start();
    for (let i = 0; i < 40 && !leadership.leading; i++) await sleep(10);
    expect(leadership.leading).toBe(true);
    // The deletion (revision 9) that let us win at revision 10, arriving after the win.
    watcher.emit('delete', { key: Buffer.from('/ringkv/t/leader'), mod_revision: '9', create_revision: '0' });
    // A put of an older key (revision 7, e.g. the previous leader's) arriving late too.
    watcher.emit('put', { key: Buffer.from('/ringkv/t/leader'), mod_revision: '7', create_revision: '7', value: Buffer.from('{"id":"r0","address":"x:1"}') });
    expect(leadership.leading).toBe(true);
    expect(leadership.guard()?.createRevision).toBe('10');
    // Our key deleted after our win (revision 12): we no longer lead.
    watcher.emit('delete', { key: Buffer.from('/ringkv/t/leader'), mod_revision: '12', create_revision: '0' });
    expect(leadership.leading).toBe(false);
  });
});
