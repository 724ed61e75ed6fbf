import type { Etcd3 } from 'etcd3';
import type { Logger } from '@ringkv/core';
import type { EtcdSession } from './etcd-session.js';
import { etcdUnavailable, within, type EtcdKeys } from './etcd-client.js';

/** One router as Status shows it. */
export interface RouterEntry {
  id: string;
  address: string;
  /** The epoch of the cluster map it routes with (as it last reported). */
  epoch: bigint;
  version: string;
  /** Date.now() when it reported last. */
  reportedAtMs: number;
}

/**
 * Which routers are alive and which epoch each has seen. On etcd every router keeps a key
 * `/ringkv/<cluster>/routers/<id>` on its session lease (gone within a TTL of its death),
 * rewritten when its epoch changes; a lone router knows only itself.
 */
export interface RouterRegistry {
  /** This router's epoch changed (written in the background, at most a few times a second). */
  report(epoch: bigint): void;
  list(): Promise<RouterEntry[]>;
  close(): Promise<void>;
}

export class LocalRegistry implements RouterRegistry {
  #self: RouterEntry;

  constructor(self: Omit<RouterEntry, 'epoch' | 'reportedAtMs'>) {
    this.#self = { ...self, epoch: 0n, reportedAtMs: Date.now() };
  }

  report(epoch: bigint): void {
    this.#self = { ...this.#self, epoch, reportedAtMs: Date.now() };
  }

  async list(): Promise<RouterEntry[]> {
    return [this.#self];
  }

  async close(): Promise<void> {}
}

export class EtcdRegistry implements RouterRegistry {
  readonly #etcd: Etcd3;
  readonly #session: EtcdSession;
  readonly #keys: EtcdKeys;
  readonly #log: Logger;
  readonly #self: Omit<RouterEntry, 'epoch' | 'reportedAtMs'>;
  #epoch = 0n;
  #written: { epoch: bigint; lease: string } | undefined;
  #writing = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(etcd: Etcd3, session: EtcdSession, keys: EtcdKeys, self: Omit<RouterEntry, 'epoch' | 'reportedAtMs'>, log: Logger) {
    this.#etcd = etcd;
    this.#session = session;
    this.#keys = keys;
    this.#self = self;
    this.#log = log;
    session.onGranted(() => this.#flush());
    // Retries a write that failed (etcd away) and re-registers on a new lease.
    this.#timer = setInterval(() => this.#flush(), 1_000);
    this.#timer.unref();
  }

  report(epoch: bigint): void {
    if (epoch <= this.#epoch) return;
    this.#epoch = epoch;
    this.#flush();
  }

  #flush(): void {
    const lease = this.#session.leaseId;
    if (this.#writing || this.#closed || lease === undefined) return;
    if (this.#written && this.#written.epoch === this.#epoch && this.#written.lease === lease) return;
    const epoch = this.#epoch;
    this.#writing = true;
    const value = JSON.stringify({ ...this.#self, epoch: epoch.toString(), reportedAtMs: Date.now() });
    this.#etcd.kv.put({ key: Buffer.from(this.#keys.routers + this.#self.id), value: Buffer.from(value), lease }, within(2_000))
      .then(() => {
        this.#written = { epoch, lease };
      }, (err: unknown) => this.#log.debug({ err: (err as Error).message }, 'router registration not written; retrying'))
      .finally(() => {
        this.#writing = false;
        if (this.#epoch !== epoch) this.#flush();
      });
  }

  async list(): Promise<RouterEntry[]> {
    let res;
    try {
      res = await this.#etcd.kv.range({
        key: Buffer.from(this.#keys.routers), range_end: Buffer.from(prefixEnd(this.#keys.routers)),
      }, within(2_000));
    } catch (err) {
      throw etcdUnavailable(err, 'list the routers');
    }
    const out: RouterEntry[] = [];
    for (const kv of res.kvs) {
      try {
        const v = JSON.parse(kv.value.toString('utf8')) as Record<string, string | number>;
        out.push({
          id: String(v.id), address: String(v.address), epoch: BigInt(v.epoch ?? 0), version: String(v.version ?? ''),
          reportedAtMs: Number(v.reportedAtMs ?? 0),
        });
      } catch {
        // Not one of ours: skip it.
      }
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
  }
}

/** The end of etcd's range of keys that start with `prefix`. */
export function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const out = Buffer.from(b.subarray(0, i + 1));
      out[i] = b[i]! + 1;
      return out;
    }
  }
  return Buffer.from([0]);
}
