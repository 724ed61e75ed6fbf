import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import type { Logger } from '@ringkv/core';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EtcdSession } from './etcd-session.js';
import { within, type EtcdKeys } from './etcd-client.js';
import type { LeaderInfo, Leadership } from './leadership.js';
import type { LeaderGuard } from './map-source.js';

/**
 * An event on the leader key from before our own term: the watch can lag behind our campaign,
 * so the deletion of the previous leader's key (which let us win) may arrive after we won.
 * Acting on it would depose us for the very thing that elected us.
 */
export function staleEvent(kv: Pick<IKeyValue, 'mod_revision'>, won: { createRevision: string } | undefined): boolean {
  return won !== undefined && BigInt(kv.mod_revision) < BigInt(won.createRevision);
}

/**
 * The coordinator election on etcd, in the way of tikv/pd's `leadership.go`: a campaign is one
 * transaction "create the leader key with my session lease if it does not exist"; the winner
 * leads until its own deadline (EtcdSession.validUntil) passes without a renewal, its lease
 * is lost, or the key is gone. Every commit it makes compares the key's create revision in the
 * same transaction (guard()), so a coordinator deposed behind its back still changes nothing.
 * etcd3's Election helper is not used: it has had two-leader bugs, and it learns of a lost
 * lease only after 2 x TTL.
 */
export class EtcdLeadership implements Leadership {
  readonly kind = 'etcd' as const;
  readonly #etcd: Etcd3;
  readonly #session: EtcdSession;
  readonly #keys: EtcdKeys;
  readonly #self: LeaderInfo;
  readonly #log: Logger;
  readonly #listeners: Array<(leading: boolean) => void> = [];
  readonly #timeoutMs: number;
  /** Our leader key while we hold it: the lease it is on and its create revision. */
  #won: { leaseId: string; createRevision: string } | undefined;
  #leader: LeaderInfo | undefined;
  #leaderRevision = '0';
  #reported = false;
  #closed = false;
  #watcher: Watcher | undefined;
  #checkTimer: NodeJS.Timeout | undefined;
  #campaign: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(etcd: Etcd3, session: EtcdSession, keys: EtcdKeys, self: LeaderInfo, log: Logger, requestTimeoutMs = 2_000) {
    this.#etcd = etcd;
    this.#session = session;
    this.#keys = keys;
    this.#self = self;
    this.#log = log;
    this.#timeoutMs = requestTimeoutMs;
    session.onLost((id) => {
      if (this.#won?.leaseId === id) this.#won = undefined;
      this.#check();
      this.#wake?.();
    });
  }

  get leading(): boolean {
    const won = this.#won;
    return !this.#closed && won !== undefined && won.leaseId === this.#session.leaseId && this.#session.alive;
  }

  guard(): LeaderGuard | undefined {
    return this.#won && { key: this.#keys.leader, createRevision: this.#won.createRevision };
  }

  leader(): LeaderInfo | undefined {
    if (this.leading) return this.#self;
    // Without a live session our view of etcd is stale: we cannot vouch for anyone. Our own
    // old key (a lost term, or a previous run of this id) is nobody's leadership either.
    if (!this.#session.alive) return undefined;
    const leader = this.#leader;
    return leader && leader.id !== this.#self.id ? leader : undefined;
  }

  onChange(listener: (leading: boolean) => void): void {
    this.#listeners.push(listener);
  }

  start(): void {
    if (this.#campaign || this.#closed) return;
    this.#session.start();
    // The deadline is local: nobody tells us when it passes, so look (it is one comparison).
    this.#checkTimer = setInterval(() => this.#check(), 50);
    this.#checkTimer.unref();
    void this.#watchLeaderKey();
    this.#campaign = this.#run();
  }

  /** Emits a change whenever `leading` flips (the deadline passing included). */
  #check(): void {
    const now = this.leading;
    if (now === this.#reported) return;
    this.#reported = now;
    if (now) this.#log.info({ leaderKey: this.#keys.leader, createRevision: this.#won?.createRevision }, 'elected coordinator');
    else this.#log.warn('no longer the coordinator: stopped acting');
    for (const l of this.#listeners) l(now);
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      const leaseId = await this.#session.ready();
      if (this.#closed || leaseId === undefined) return;
      if (!this.leading) await this.#campaignOnce(leaseId);
      this.#check();
      // Try again when the leader key goes away, our lease is lost, or after a while anyway.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.leading ? 1_000 : this.#session.ttlSeconds * 500);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  async #campaignOnce(leaseId: string): Promise<void> {
    const key = Buffer.from(this.#keys.leader);
    try {
      const res = await this.#etcd.kv.txn({
        compare: [{ key, target: 'Create', result: 'Equal', create_revision: '0' }],
        success: [{ request_put: { key, value: Buffer.from(JSON.stringify(this.#self)), lease: leaseId } }],
        failure: [{ request_range: { key } }],
      }, within(this.#timeoutMs));
      if (res.succeeded) {
        this.#won = { leaseId, createRevision: res.header.revision };
        return;
      }
      const kv = res.responses[0]?.response_range?.kvs[0];
      // Ours already (an earlier campaign whose answer was lost): keep it.
      if (kv && kv.lease === leaseId) this.#won = { leaseId, createRevision: kv.create_revision };
      else if (kv) this.#setLeader(kv);
    } catch (err) {
      this.#log.debug({ err: (err as Error).message }, 'coordinator campaign failed; retrying');
    }
  }

  #setLeader(kv: IKeyValue | undefined): void {
    if (!kv) {
      this.#leader = undefined;
      this.#leaderRevision = '0';
      return;
    }
    try {
      const v = JSON.parse(kv.value.toString('utf8')) as Partial<LeaderInfo>;
      if (typeof v.id === 'string' && typeof v.address === 'string') this.#leader = { id: v.id, address: v.address };
      this.#leaderRevision = kv.create_revision;
    } catch {
      this.#leader = undefined;
    }
  }

  /** Follows the leader key: who leads (for Status and admin forwarding), and when it goes. */
  async #watchLeaderKey(): Promise<void> {
    while (!this.#closed) {
      try {
        const res = await this.#etcd.kv.range({ key: Buffer.from(this.#keys.leader) }, within(this.#timeoutMs));
        this.#setLeader(res.kvs[0]);
        const w = await this.#etcd.watch().key(this.#keys.leader).startRevision((BigInt(res.header.revision) + 1n).toString()).create();
        if (this.#closed) {
          await w.cancel();
          return;
        }
        this.#watcher = w;
        w.on('put', (kv) => {
          if (staleEvent(kv, this.#won)) return;
          this.#setLeader(kv);
          if (this.#won && kv.create_revision !== this.#won.createRevision) this.#deposed('another router holds the leader key');
        });
        w.on('delete', (kv) => {
          if (staleEvent(kv, this.#won)) return;
          this.#setLeader(undefined);
          if (this.#won) this.#deposed('the leader key was deleted');
          this.#wake?.();
        });
        return;
      } catch (err) {
        this.#log.debug({ err: (err as Error).message }, 'cannot watch the leader key; retrying');
        await sleep(500);
      }
    }
  }

  #deposed(why: string): void {
    this.#log.warn({ why }, 'coordinator leadership lost');
    this.#won = undefined;
    this.#check();
  }

  /** Steps down: deletes our leader key (guarded), so a successor need not wait for the lease. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const won = this.#won;
    this.#closed = true;
    clearInterval(this.#checkTimer);
    this.#wake?.();
    this.#check();
    if (won) {
      const key = Buffer.from(this.#keys.leader);
      await this.#etcd.kv.txn({
        compare: [{ key, target: 'Create', result: 'Equal', create_revision: won.createRevision }],
        success: [{ request_delete_range: { key } }],
        failure: [],
      }, within(1_000)).catch(() => undefined);
    }
    await this.#watcher?.cancel().catch(() => undefined);
    await this.#campaign;
  }
}
