import {
  AdminService, DEFAULT_LIMITS, InFlightLimiter, PipelineStreams, addGuardedService, DEFAULT_VNODES_PER_WEIGHT, ErrorCode, KvService, RingKvError, SERVICE_NAMES,
  bindServer, createLogger, createServer, newClusterMap, parseHostPort, shutdownServer, validateClusterMap,
  validateShardId, type ClusterMap, type InFlightLimits, type Logger, type ServingHealth, type SizeLimits,
} from '@ringkv/core';
import type { Server } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { MapStore } from './map-store.js';
import { Topology } from './topology.js';
import { Forwarder } from './forwarder.js';
import { Scanner } from './scanner.js';
import { ShardClient } from './shard-client.js';
import { kvHandlers } from './kv-service.js';
import { adminHandlers } from './admin-service.js';
import { Migrator } from './migrator.js';

export interface BootstrapShard {
  id: string;
  address: string;
  /** @default 1 */
  weight?: number;
}

/** The in-flight caps (InFlightLimits) bound the router's memory under overload: see README "Limits and overload". */
export interface RouterOptions extends InFlightLimits {
  /** HOST:PORT to listen on; port 0 picks a free port (see `address`). */
  listen: string;
  /** Where the cluster map is persisted. */
  dataDir: string;
  /** Bootstraps a new cluster when dataDir holds no map; ignored (with a warning) otherwise. */
  shards?: BootstrapShard[];
  /** Virtual nodes per unit of weight for a new cluster. @default 256 */
  vnodesPerWeight?: number;
  limits?: Partial<SizeLimits>;
  /** Deadline of each router -> shard call. @default 5000 */
  requestTimeoutMs?: number;
  /** WRONG_OWNER / TRY_AGAIN retries. @default 8 */
  maxRedirections?: number;
  /** Arcs migrated at once. @default 4 */
  migrationArcConcurrency?: number;
  /** Byte-rate limit of each arc's snapshot stream; 0 = unlimited. @default 0 */
  migrationRateBytesPerSec?: number;
  logger?: Logger;
}

export type RouterStatus = 'open' | 'closing' | 'closed';

/** A router: serves the KV and Admin APIs, forwarding each key to its owner shard. */
export class Router {
  /** The address actually bound, HOST:PORT. */
  readonly address: string;
  readonly topology: Topology;
  readonly migrator: Migrator;
  readonly #server: Server;
  readonly #health: ServingHealth;
  readonly #log: Logger;
  #status: RouterStatus = 'open';
  #closing: Promise<void> | undefined;

  readonly #pipelines: PipelineStreams;

  private constructor(
    address: string, topology: Topology, migrator: Migrator, server: Server, health: ServingHealth, log: Logger, pipelines: PipelineStreams,
  ) {
    this.#pipelines = pipelines;
    this.address = address;
    this.topology = topology;
    this.migrator = migrator;
    this.#server = server;
    this.#health = health;
    this.#log = log;
  }

  static async start(options: RouterOptions): Promise<Router> {
    const { host } = parseHostPort(options.listen, 'listen address');
    const log = options.logger ?? createLogger('ringkv-router');
    const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    const store = new MapStore(options.dataDir);
    let map = await store.load();
    if (map && options.shards?.length) {
      log.warn({ path: store.path, epoch: map.epoch.toString() }, '--shard flags ignored: a cluster map already exists in the data dir');
    }
    if (!map) {
      if (!options.shards?.length) {
        throw new RingKvError(ErrorCode.INVALID_ARGUMENT,
          `no cluster map in ${options.dataDir}: bootstrap a cluster with --shard ID=HOST:PORT (one per shard)`);
      }
      map = await bootstrapMap(options.shards, options.vnodesPerWeight ?? DEFAULT_VNODES_PER_WEIGHT, requestTimeoutMs, log);
      await store.save(map);
    }
    const topology = new Topology(map, store, log, { requestTimeoutMs });
    const forwarder = new Forwarder(topology, {
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      maxRedirections: options.maxRedirections ?? 8,
    });
    const migrator = new Migrator(topology, log, {
      arcConcurrency: options.migrationArcConcurrency ?? 4,
      rateBytesPerSec: options.migrationRateBytesPerSec ?? 0,
      retryDelayMs: 500,
    });
    const { server, health } = createServer();
    const limiter = new InFlightLimiter(options);
    const pipelines = new PipelineStreams(
      async (ops) => ({ results: await forwarder.execute(ops) }),
      (err) => log.error({ err }, 'Pipeline frame failed'),
      { limiter, ...(options.maxStreamInFlightOps !== undefined ? { maxStreamInFlightOps: options.maxStreamInFlightOps } : {}) },
    );
    addGuardedService(server, KvService.service, kvHandlers(forwarder, new Scanner(topology), log, pipelines, limiter));
    addGuardedService(server, AdminService.service, adminHandlers(topology, migrator, log));
    let port: number;
    try {
      port = await bindServer(server, options.listen);
    } catch (err) {
      server.forceShutdown();
      topology.close();
      throw err;
    }
    for (const name of ['', SERVICE_NAMES.kv, SERVICE_NAMES.admin]) health.setStatus(name, 'SERVING');
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    log.info({ address, epoch: map.epoch.toString(), shards: map.members.map((m) => m.id) }, 'router listening');
    void topology.pushMapUntilInstalled();
    // A change recorded in the map but not finished (the router restarted): resume it.
    migrator.ensureRunning();
    return new Router(address, topology, migrator, server, health, log, pipelines);
  }

  get status(): RouterStatus {
    return this.#status;
  }

  /** Stops accepting calls and lets in-flight ones finish (up to graceMs). Idempotent. */
  close(graceMs = 5_000): Promise<void> {
    this.#closing ??= (async () => {
      this.#status = 'closing';
      for (const name of ['', SERVICE_NAMES.kv, SERVICE_NAMES.admin]) this.#health.setStatus(name, 'NOT_SERVING');
      await this.migrator.close();
      this.#pipelines.drain();
      await shutdownServer(this.#server, graceMs, () => this.#log.warn({ graceMs }, 'graceful shutdown timed out: calls still in flight were cut'));
      this.topology.close();
      this.#status = 'closed';
      this.#log.info('router closed');
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * A new cluster's first map, unless the shards already hold one (a router that lost its data
 * dir): then the highest-epoch map among them is recovered instead.
 */
async function bootstrapMap(shards: BootstrapShard[], vnodesPerWeight: number, timeoutMs: number, log: Logger): Promise<ClusterMap> {
  for (const s of shards) {
    validateShardId(s.id);
    parseHostPort(s.address, `address of shard ${s.id}`);
  }
  const fresh = newClusterMap(randomUUID(), shards.map((s) => ({
    id: s.id, address: s.address, weight: s.weight ?? 1, state: 'active' as const,
  })), vnodesPerWeight);
  validateClusterMap(fresh);
  const found = await Promise.all(shards.map(async (s) => {
    const client = new ShardClient(s, () => 0n, { requestTimeoutMs: timeoutMs });
    try {
      return await client.getClusterMap(Math.min(timeoutMs, 2_000));
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
