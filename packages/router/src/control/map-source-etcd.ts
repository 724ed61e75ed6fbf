import type { Etcd3, Watcher } from 'etcd3';
import { ErrorCode, RingKvError, clusterMapFromProto, clusterMapToProto, type ClusterMap, type ClusterMapMessage__Output, type Logger } from '@ringkv/core';
import { etcdUnavailable, within, type EtcdKeys } from './etcd-client.js';
import type { LeaderGuard, MapSnapshot, MapSource, MapWatch } from './map-source.js';

/** Compact JSON of the map (the etcd value; the file keeps the indented form). */
export function encodeMapValue(map: ClusterMap): Buffer {
  return Buffer.from(JSON.stringify(clusterMapToProto(map)));
}

export function decodeMapValue(value: Buffer): ClusterMap {
  const p = JSON.parse(value.toString('utf8')) as ClusterMapMessage__Output;
  return clusterMapFromProto({
    ...p, migrations: (p.migrations ?? []).map((m: ClusterMapMessage__Output['migrations'][number]) => ({ ...m, targets: m.targets ?? [] })), members: p.members ?? [],
    nextMembers: p.nextMembers ?? [], replicaStates: p.replicaStates ?? [], nextReplicationFactor: p.nextReplicationFactor ?? 0,
  });
}

/**
 * The cluster map in etcd, under `/ringkv/<cluster>/map`. A commit is one transaction that
 * compares the map key's mod_revision with the revision the change was computed from and, for
 * the coordinator, that its leader key is still the one it created; so two writers can never
 * both win, and a deposed coordinator changes nothing.
 */
export class EtcdMapSource implements MapSource {
  readonly kind = 'etcd' as const;
  readonly #etcd: Etcd3;
  readonly #keys: EtcdKeys;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #watches = new Set<Watcher>();

  constructor(etcd: Etcd3, keys: EtcdKeys, log: Logger, requestTimeoutMs = 2_000) {
    this.#etcd = etcd;
    this.#keys = keys;
    this.#log = log;
    this.#timeoutMs = requestTimeoutMs;
  }

  async load(): Promise<MapSnapshot | undefined> {
    let res;
    try {
      res = await this.#etcd.kv.range({ key: Buffer.from(this.#keys.map) }, within(this.#timeoutMs));
    } catch (err) {
      throw etcdUnavailable(err, 'read the cluster map');
    }
    const kv = res.kvs[0];
    return kv ? { map: this.#decode(kv.value), revision: BigInt(kv.mod_revision) } : undefined;
  }

  async create(map: ClusterMap): Promise<MapSnapshot> {
    const key = Buffer.from(this.#keys.map);
    let res;
    try {
      res = await this.#etcd.kv.txn({
        compare: [{ key, target: 'Create', result: 'Equal', create_revision: '0' }],
        success: [{ request_put: { key, value: encodeMapValue(map) } }],
        failure: [{ request_range: { key } }],
      }, within(this.#timeoutMs));
    } catch (err) {
      throw etcdUnavailable(err, 'create the cluster map');
    }
    if (res.succeeded) return { map, revision: BigInt(res.header.revision) };
    const kv = res.responses[0]?.response_range?.kvs[0];
    if (!kv) throw new RingKvError(ErrorCode.UNAVAILABLE, 'etcd: the cluster map was created and deleted meanwhile; retry');
    return { map: this.#decode(kv.value), revision: BigInt(kv.mod_revision) };
  }

  async commit(map: ClusterMap, expected: bigint, guard?: LeaderGuard): Promise<bigint> {
    const key = Buffer.from(this.#keys.map);
    const compare = [{ key, target: 'Mod' as const, result: 'Equal' as const, mod_revision: expected.toString() }];
    if (guard) compare.push({ key: Buffer.from(guard.key), target: 'Create' as never, result: 'Equal', create_revision: guard.createRevision } as never);
    let res;
    try {
      res = await this.#etcd.kv.txn({
        compare,
        success: [{ request_put: { key, value: encodeMapValue(map) } }],
        failure: [{ request_range: { key } }],
      }, within(this.#timeoutMs));
    } catch (err) {
      // A commit that timed out may still have happened: read what is there before saying so.
      const now = await this.load().catch(() => undefined);
      if (now && now.map.epoch === map.epoch && JSON.stringify(clusterMapToProto(now.map)) === JSON.stringify(clusterMapToProto(map))) {
        return now.revision;
      }
      throw etcdUnavailable(err, `commit epoch ${map.epoch}`);
    }
    if (res.succeeded) return BigInt(res.header.revision);
    const kv = res.responses[0]?.response_range?.kvs[0];
    const have = kv ? BigInt(kv.mod_revision) : 0n;
    if (have !== expected) {
      throw new RingKvError(ErrorCode.MAP_CHANGED,
        `the cluster map changed in etcd (revision ${expected} -> ${have}) while epoch ${map.epoch} was prepared; nothing was written`);
    }
    throw new RingKvError(ErrorCode.UNAVAILABLE, 'this router is no longer the coordinator (its leader key is gone); nothing was written');
  }

  watch(fromRevision: bigint, onMap: (snapshot: MapSnapshot) => void): MapWatch {
    let closed = false;
    let last = fromRevision;
    let watcher: Watcher | undefined;
    const deliver = (value: Buffer, revision: bigint) => {
      if (closed || revision <= last) return;
      last = revision;
      try {
        onMap({ map: this.#decode(value), revision });
      } catch (err) {
        this.#log.error({ err: (err as Error).message, revision: revision.toString() }, 'ignoring a cluster map in etcd that does not decode');
      }
    };
    // After a broken stream the watcher resumes from its last revision by itself; a read after
    // each reconnect covers a resume that etcd refused (history compacted meanwhile).
    const catchUp = () => {
      this.load().then((s) => s && deliver(encodeMapValue(s.map), s.revision), () => undefined);
    };
    const open = () => {
      this.#etcd.watch().key(this.#keys.map).startRevision((last + 1n).toString()).create().then((w) => {
        if (closed) {
          void w.cancel();
          return;
        }
        watcher = w;
        this.#watches.add(w);
        w.on('put', (kv) => deliver(kv.value, BigInt(kv.mod_revision)));
        w.on('connected', catchUp);
        w.on('error', (err) => this.#log.warn({ err: (err as Error).message }, 'etcd watch of the cluster map failed; resuming'));
      }, (err: unknown) => {
        this.#log.warn({ err: (err as Error).message }, 'cannot watch the cluster map in etcd; retrying');
        if (!closed) setTimeout(open, 1_000).unref();
      });
    };
    open();
    return {
      close: () => {
        closed = true;
        if (watcher) {
          this.#watches.delete(watcher);
          void watcher.cancel().catch(() => undefined);
        }
      },
    };
  }

  #decode(value: Buffer): ClusterMap {
    try {
      return decodeMapValue(value);
    } catch (err) {
      throw new RingKvError(ErrorCode.INTERNAL, `the cluster map in etcd (${this.#keys.map}) does not decode: ${(err as Error).message}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#watches].map((w) => w.cancel().catch(() => undefined)));
    this.#watches.clear();
  }
}
