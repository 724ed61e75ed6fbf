import {
  ErrorCode, RingKvError, newClusterMap, parseHostPort, validateClusterMap, validateShardId, type ClusterMap, type Logger,
} from '@ringkv/core';
import type { Etcd3 } from 'etcd3';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ShardClient, type ShardClientOptions } from '../shard-client.js';
import { Topology } from '../topology.js';
import { Coordinator } from './coordinator.js';
import { createEtcdClient, etcdKeys, type EtcdKeys, type EtcdOptions } from './etcd-client.js';
import { EtcdSession } from './etcd-session.js';
import type { FailoverOptions } from './failover.js';
import { EtcdLeadership } from './leadership-etcd.js';
import { LocalLeadership, type LeaderInfo, type Leadership } from './leadership.js';
import { EtcdMapSource } from './map-source-etcd.js';
import { FileMapSource } from './map-source-file.js';
import type { MapSnapshot, MapSource, MapWatch } from './map-source.js';
import type { MigratorOptions } from './migrator.js';
import { MapPublisher } from './publisher.js';
import { EtcdRegistry, LocalRegistry, type RouterRegistry } from './router-registry.js';

export interface BootstrapShard {
  id: string;
  address: string;
  /** @default 1 */
  weight?: number;
}

export interface ControlPlaneOptions {
  /** This router: its id and the address other routers reach its Admin API at. */
  self: LeaderInfo;
  version: string;
  dataDir: string;
  /** The cluster map and the coordinator election in etcd; without it, a lone router coordinates itself. */
  etcd?: EtcdOptions & {
    /** TTL of the router's etcd session lease (the coordinator's leadership). @default 3 */
    sessionTtlSeconds?: number;
  };
  /** Without etcd: never coordinate, follow the map from the shards (extra routers of a lone-router cluster). @default false */
  serveOnly?: boolean;
  bootstrap: { shards: BootstrapShard[]; vnodesPerWeight: number; replicationFactor: number };
  shardOptions: ShardClientOptions;
  migration: MigratorOptions;
  failover: FailoverOptions;
  log: Logger;
}

/**
 * The router's control-plane wing: where the map lives (MapSource), who acts (Leadership and
 * the Coordinator), who is alive (RouterRegistry), and how committed maps reach the shards
 * (MapPublisher). It hands every committed map it learns to the read view (Topology).
 */
export class ControlPlane {
  readonly topology: Topology;
  readonly source: MapSource;
  readonly leadership: Leadership;
  readonly coordinator: Coordinator;
  readonly registry: RouterRegistry;
  readonly publisher: MapPublisher;
  /** This router's id and advertised address. */
  readonly self: LeaderInfo;
  readonly version: string;
  readonly #etcd: Etcd3 | undefined;
  readonly #session: EtcdSession | undefined;
  /** etcd mode: the last map, kept in the data dir for a start while etcd is away. */
  readonly #cache: FileMapSource | undefined;
  readonly #log: Logger;
  #revision: bigint | undefined;
  #watch: MapWatch | undefined;
  #following: Promise<void> | undefined;
  #closed = false;
  /** Why the control plane cannot act right now ('' when it can). */
  lastError = '';

  private constructor(parts: {
    topology: Topology; source: MapSource; leadership: Leadership; registry: RouterRegistry; revision: bigint | undefined;
    etcd?: Etcd3; session?: EtcdSession; cache?: FileMapSource; options: ControlPlaneOptions;
  }) {
    this.topology = parts.topology;
    this.source = parts.source;
    this.leadership = parts.leadership;
    this.registry = parts.registry;
    this.#revision = parts.revision;
    this.#etcd = parts.etcd;
    this.#session = parts.session;
    this.#cache = parts.cache;
    this.#log = parts.options.log;
    this.self = parts.options.self;
    this.version = parts.options.version;
    this.publisher = new MapPublisher(this.topology, this.#log);
    this.coordinator = new Coordinator({
      topology: this.topology, source: this.source, leadership: this.leadership, publisher: this.publisher, log: this.#log,
      migration: parts.options.migration, failover: parts.options.failover,
    });
    this.registry.report(this.topology.epoch);
    this.topology.mayPush = () => this.source.kind === 'file' || this.leadership.leading;
    this.topology.onAdopted((map) => {
      this.registry.report(map.epoch);
      if (this.#cache) void this.#cache.remember(map).catch(() => undefined);
      else if (this.source instanceof FileMapSource) void this.source.remember(map).catch(() => undefined);
      this.coordinator.mapAdopted();
    });
  }

  get kind(): 'file' | 'etcd' {
    return this.source.kind;
  }

  /** Reads (or bootstraps) the cluster map and builds the wing; start() makes it act. */
  static async open(options: ControlPlaneOptions): Promise<ControlPlane> {
    const { log } = options;
    if (!options.etcd) {
      const source = new FileMapSource(options.dataDir);
      let snap = await source.load();
      if (snap && options.bootstrap.shards.length) {
        log.warn({ path: source.path, epoch: snap.map.epoch.toString() }, '--shard flags ignored: a cluster map already exists in the data dir');
      }
      if (!snap) {
        if (!options.bootstrap.shards.length) {
          throw new RingKvError(ErrorCode.INVALID_ARGUMENT,
            `no cluster map in ${options.dataDir}: bootstrap a cluster with --shard ID=HOST:PORT (one per shard)`);
        }
        snap = await source.create(await bootstrapMap(options.bootstrap, options.shardOptions, log));
      }
      const topology = new Topology(snap.map, log, options.shardOptions);
      // A router that only serves learns other routers' commits from the shards.
      const following = options.serveOnly ? new FileMapSource(options.dataDir, {
        peek: () => topology.newestShardMap(Math.min(options.shardOptions.requestTimeoutMs, 1_000)),
      }) : source;
      return new ControlPlane({
        topology, source: following, leadership: new LocalLeadership(options.self, options.serveOnly), revision: snap.revision,
        registry: new LocalRegistry({ id: options.self.id, address: options.self.address, version: options.version }), options,
      });
    }
    const keys = etcdKeys(options.etcd.cluster);
    const etcd = createEtcdClient(options.etcd);
    try {
      const timeoutMs = options.etcd.requestTimeoutMs ?? 2_000;
      const source = new EtcdMapSource(etcd, keys, log, timeoutMs);
      const cache = new FileMapSource(options.dataDir);
      const { snap, revision } = await loadOrBootstrap(source, cache, keys, options);
      const topology = new Topology(snap.map, log, options.shardOptions);
      const session = new EtcdSession(etcd, options.etcd.sessionTtlSeconds ?? 3, log);
      const leadership = new EtcdLeadership(etcd, session, keys, options.self, log, timeoutMs);
      const registry = new EtcdRegistry(etcd, session, keys, { id: options.self.id, address: options.self.address, version: options.version }, log);
      return new ControlPlane({ topology, source, leadership, registry, revision, etcd, session, cache, options });
    } catch (err) {
      etcd.close();
      throw err;
    }
  }

  /** Follows the committed map and joins the election (or, alone, starts coordinating). */
  start(): void {
    if (this.#closed) return;
    this.#following = this.#follow();
    this.#session?.start();
    this.leadership.start();
  }

  async #follow(): Promise<void> {
    // Started from a cached map (etcd was away): read the map until etcd answers.
    while (this.#revision === undefined && !this.#closed) {
      try {
        const snap = await this.source.load();
        if (snap) {
          this.#revision = snap.revision;
          this.topology.adopt(snap.map);
        }
        this.lastError = '';
      } catch (err) {
        this.lastError = (err as Error).message;
        await sleep(500);
      }
    }
    if (this.#closed || this.#revision === undefined) return;
    this.#watch = this.source.watch(this.#revision, (s: MapSnapshot) => {
      this.#revision = s.revision;
      this.topology.adopt(s.map);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#following;
    this.#watch?.close();
    await this.coordinator.close();
    this.publisher.close();
    await this.leadership.close();
    await this.registry.close();
    await this.#session?.close();
    await this.source.close();
    this.#etcd?.close();
  }
}

/**
 * The map in etcd, else the one this router creates from its bootstrap flags (the first
 * router to find none creates it; the others find theirs). With etcd unreachable, a router
 * that has a copy of the map in its data dir starts with it: data flows on the last map.
 */
async function loadOrBootstrap(
  source: EtcdMapSource, cache: FileMapSource, keys: EtcdKeys, options: ControlPlaneOptions,
): Promise<{ snap: MapSnapshot; revision: bigint | undefined }> {
  const { log } = options;
  const until = Date.now() + 10_000;
  for (let attempt = 0; ; attempt++) {
    try {
      const found = await source.load();
      if (found) {
        if (options.bootstrap.shards.length && attempt === 0) log.info({ epoch: found.map.epoch.toString() }, 'joined the cluster map in etcd (--shard flags not needed)');
        return { snap: found, revision: found.revision };
      }
      if (!options.bootstrap.shards.length) {
        throw new RingKvError(ErrorCode.INVALID_ARGUMENT,
          `no cluster map in etcd under ${keys.prefix}: bootstrap the cluster with --shard ID=HOST:PORT (one per shard)`);
      }
      const created = await source.create(await bootstrapMap(options.bootstrap, options.shardOptions, log));
      log.info({ epoch: created.map.epoch.toString(), clusterId: created.map.clusterId, key: keys.map }, 'cluster map in etcd');
      return { snap: created, revision: created.revision };
    } catch (err) {
      if (!(err instanceof RingKvError) || err.code !== ErrorCode.UNAVAILABLE) throw err;
      const cached = await cache.load().catch(() => undefined);
      if (cached && Date.now() > until) {
        log.warn({ epoch: cached.map.epoch.toString(), err: err.message }, 'etcd unreachable: serving with the last cluster map from the data dir');
        return { snap: cached, revision: undefined };
      }
      if (Date.now() > until + 20_000) throw err;
      if (attempt % 10 === 0) log.warn({ err: err.message }, 'waiting for etcd');
      await sleep(500);
    }
  }
}

/**
 * A new cluster's first map, unless the shards already hold one (a router that lost its data
 * dir, or a cluster moving onto etcd): then the highest-epoch map among them is recovered.
 */
export async function bootstrapMap(
  bootstrap: ControlPlaneOptions['bootstrap'], shardOptions: ShardClientOptions, log: Logger,
): Promise<ClusterMap> {
  const { shards } = bootstrap;
  for (const s of shards) {
    validateShardId(s.id);
    parseHostPort(s.address, `address of shard ${s.id}`);
  }
  const fresh = newClusterMap(randomUUID(), shards.map((s) => ({
    id: s.id, address: s.address, weight: s.weight ?? 1, state: 'active' as const,
  })), bootstrap.vnodesPerWeight);
  fresh.replicationFactor = bootstrap.replicationFactor;
  validateClusterMap(fresh);
  const found = await Promise.all(shards.map(async (s) => {
    const client = new ShardClient(s, () => 0n, shardOptions);
    try {
      return await client.getClusterMap(Math.min(shardOptions.requestTimeoutMs, 2_000));
    } catch {
      return undefined;
    } finally {
      client.close();
    }
  }));
  const existing = found.filter((m): m is ClusterMap => m !== undefined).sort((a, b) => (a.epoch < b.epoch ? 1 : -1))[0];
  if (existing) {
    log.warn({ clusterId: existing.clusterId, epoch: existing.epoch.toString() }, 'recovered the cluster map from the shards');
    return existing;
  }
  log.info({ clusterId: fresh.clusterId, shards: shards.map((s) => s.id) }, 'bootstrapping a new cluster');
  return fresh;
}
