import {
  AdminService, DEFAULT_LIMITS, InFlightLimiter, PipelineStreams, DEFAULT_VNODES_PER_WEIGHT, ErrorCode, KvService,
  MetricsServer, RequestLog, RingKvError, SERVICE_NAMES, addGuardedService, bindServer, createLogger, createServer,
  newClusterMap, parseHostPort, peerCredentials, serverCredentials, shutdownServer, validateClusterMap, validateShardId,
  type ClusterMap, type FrameHandler, type InFlightLimits, type Logger, type ServingHealth, type SizeLimits, type TlsMaterial,
} from '@ringkv/core';
import type { Server } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { MapStore } from './map-store.js';
import { Topology } from './topology.js';
import { Forwarder } from './forwarder.js';
import { Scanner } from './scanner.js';
import { ShardClient, type ShardClientOptions } from './shard-client.js';
import { AccessControl } from './access.js';
import type { TokenEntry } from './tokens.js';
import { kvHandlers, pipelineFrameHandler } from './kv-service.js';
import { adminHandlers } from './admin-service.js';
import { Migrator } from './migrator.js';
import { Replicator } from './replicator.js';
import { CoordinatorMarker } from './coordinator-marker.js';
import { RouterMetrics } from './router-metrics.js';

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
  /** Replication factor of a new cluster (1 to 5; change it later with SetReplicationFactor). @default 1 */
  replicationFactor?: number;
  /**
   * This router coordinates replication: it detects failed shards, fails their arcs over and
   * brings returning shards back in sync. Run exactly one such router per cluster, and make
   * membership changes through it. @default false
   */
  coordinator?: boolean;
  /** With `coordinator`: how often each shard is checked. @default 500 */
  heartbeatIntervalMs?: number;
  /** With `coordinator`: a shard silent this long is dropped from the in-sync sets (its arcs fail over). @default 3000 */
  failureTimeoutMs?: number;
  limits?: Partial<SizeLimits>;
  /** Deadline of each router -> shard call. @default 5000 */
  requestTimeoutMs?: number;
  /** WRONG_OWNER / TRY_AGAIN retries. @default 8 */
  maxRedirections?: number;
  /**
   * How often the router asks the shards for a newer cluster map (one committed through
   * another router), in milliseconds. Data requests follow a newer map at once anyway
   * (WRONG_OWNER); this keeps Status and GetClusterMap current.
   * @default 1000
   */
  mapRefreshIntervalMs?: number;
  /** Arcs migrated at once. @default 4 */
  migrationArcConcurrency?: number;
  /** Byte-rate limit of each arc's snapshot stream; 0 = unlimited. @default 0 */
  migrationRateBytesPerSec?: number;
  /** HOST:PORT of the Prometheus endpoint (GET /metrics); port 0 picks a free port (see `metricsAddress`). @default undefined (no metrics) */
  metrics?: string;
  /** Requests slower than this are logged at warn with their request id. @default 1000 */
  slowRequestMs?: number;
  /**
   * TLS: clients connect with TLS to `cert`; the router connects to the shards with mutual
   * TLS, verifying them against `ca` and presenting `cert` as its client certificate.
   * @default undefined (plaintext both ways)
   */
  tls?: TlsMaterial;
  /**
   * Access tokens (see tokens.ts, README "Security"): every KV and Admin call must carry one.
   * @default undefined (no access control: every caller may do everything)
   */
  tokens?: readonly TokenEntry[];
  logger?: Logger;
}

export type RouterStatus = 'open' | 'closing' | 'closed';

/** A router: serves the KV and Admin APIs, forwarding each key to its owner shard. */
export class Router {
  /** The address actually bound, HOST:PORT. */
  readonly address: string;
  readonly topology: Topology;
  readonly migrator: Migrator;
  /** Failure detection, failover and catch-up, when this router coordinates replication. */
  readonly replicator: Replicator | undefined;
  /** The address the metrics endpoint is bound to, when `metrics` was given. */
  readonly metricsAddress: string | undefined;
  readonly #metricsServer: MetricsServer | undefined;
  /** The token check; `access.replace()` reloads the tokens. */
  readonly access: AccessControl;
  readonly #server: Server;
  readonly #health: ServingHealth;
  readonly #log: Logger;
  #status: RouterStatus = 'open';
  #closing: Promise<void> | undefined;

  readonly #pipelines: PipelineStreams;

  private constructor(
    address: string, topology: Topology, migrator: Migrator, server: Server, health: ServingHealth, log: Logger, pipelines: PipelineStreams,
    metricsServer: MetricsServer | undefined,
    access: AccessControl,
    replicator: Replicator | undefined,
  ) {
    this.access = access;
    this.replicator = replicator;
    this.#pipelines = pipelines;
    this.#metricsServer = metricsServer;
    this.metricsAddress = metricsServer?.address;
    this.address = address;
    this.topology = topology;
    this.migrator = migrator;
    this.#server = server;
    this.#health = health;
    this.#log = log;
  }

  static async start(options: RouterOptions): Promise<Router> {
    const { host } = parseHostPort(options.listen, 'listen address');
    if (options.metrics !== undefined) parseHostPort(options.metrics, 'metrics address');
    const log = options.logger ?? createLogger('ringkv-router');
    const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    const shardOptions: ShardClientOptions = { requestTimeoutMs, credentials: peerCredentials(options.tls) };
    const access = new AccessControl(options.tokens);
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
      map = await bootstrapMap(options.shards, options.vnodesPerWeight ?? DEFAULT_VNODES_PER_WEIGHT, options.replicationFactor ?? 1, shardOptions, log);
      await store.save(map);
    }
    const topology = new Topology(map, store, log, shardOptions);
    const migrator = new Migrator(topology, log, {
      arcConcurrency: options.migrationArcConcurrency ?? 4,
      rateBytesPerSec: options.migrationRateBytesPerSec ?? 0,
      retryDelayMs: 500,
    }, new CoordinatorMarker(options.dataDir));
    const requests = new RequestLog(log, { slowRequestMs: options.slowRequestMs ?? 1_000 });
    const limiter = new InFlightLimiter(options);
    // Every stream gets its caller's handler (kv-service.ts); this default runs only once the
    // server is up, after `forwarder` below is made.
    let openHandler: FrameHandler | undefined;
    const pipelines: PipelineStreams = new PipelineStreams(
      (ops, epoch, requestIds) => (openHandler ??= pipelineFrameHandler({ forwarder, requests }))(ops, epoch, requestIds),
      (err) => log.error({ err }, 'Pipeline frame failed'),
      { limiter, ...(options.maxStreamInFlightOps !== undefined ? { maxStreamInFlightOps: options.maxStreamInFlightOps } : {}) },
    );
    const metrics = options.metrics !== undefined ? new RouterMetrics({ topology, migrator, pipelines }) : undefined;
    const forwarder: Forwarder = new Forwarder(topology, {
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      maxRedirections: options.maxRedirections ?? 8,
      ...(metrics ? { metrics: metrics.ops } : {}),
    });
    const { server, health } = createServer();
    addGuardedService(server, KvService.service, kvHandlers({
      forwarder, scanner: new Scanner(topology), log, pipelines, requests, access, limiter, metrics: metrics?.ops,
    }));
    const replicator = options.coordinator ? new Replicator(topology, log, {
      ...(options.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
      ...(options.failureTimeoutMs !== undefined ? { failureTimeoutMs: options.failureTimeoutMs } : {}),
      catchUpRateBytesPerSec: options.migrationRateBytesPerSec ?? 0,
    }) : undefined;
    addGuardedService(server, AdminService.service, adminHandlers(topology, migrator, log, access, replicator));
    let port: number;
    let metricsServer: MetricsServer | undefined;
    try {
      port = await bindServer(server, options.listen, serverCredentials(options.tls, false));
      if (metrics) metricsServer = await MetricsServer.start(options.metrics!, metrics.registry, log);
    } catch (err) {
      server.forceShutdown();
      topology.close();
      throw err;
    }
    for (const name of ['', SERVICE_NAMES.kv, SERVICE_NAMES.admin]) health.setStatus(name, 'SERVING');
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    log.info({
      address, epoch: map.epoch.toString(), shards: map.members.map((m) => m.id),
      tls: options.tls ? 'on' : 'off', accessTokens: options.tokens?.length ?? 'off',
      ...(metricsServer ? { metrics: metricsServer.address } : {}),
    }, 'router listening');
    void topology.pushMapUntilInstalled();
    // A change this router accepted but did not finish (it restarted): resume it. A change
    // accepted by another router is left to that one (one coordinator at a time).
    await migrator.resumeIfClaimed();
    // Other routers may change the map: follow them without waiting for a WRONG_OWNER.
    topology.startRefresh(options.mapRefreshIntervalMs ?? 1_000);
    replicator?.start();
    return new Router(address, topology, migrator, server, health, log, pipelines, metricsServer, access, replicator);
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
      await this.replicator?.close();
      this.#pipelines.drain();
      // Blocking pops answer "no message" now rather than hold the drain for their wait.
      for (const shard of this.topology.shards()) shard.endBlockingCalls();
      await shutdownServer(this.#server, graceMs, () => this.#log.warn({ graceMs }, 'graceful shutdown timed out: calls still in flight were cut'));
      this.topology.close();
      await this.#metricsServer?.close();
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
async function bootstrapMap(
  shards: BootstrapShard[], vnodesPerWeight: number, replicationFactor: number, shardOptions: ShardClientOptions, log: Logger,
): Promise<ClusterMap> {
  const timeoutMs = shardOptions.requestTimeoutMs;
  for (const s of shards) {
    validateShardId(s.id);
    parseHostPort(s.address, `address of shard ${s.id}`);
  }
  const fresh = newClusterMap(randomUUID(), shards.map((s) => ({
    id: s.id, address: s.address, weight: s.weight ?? 1, state: 'active' as const,
  })), vnodesPerWeight);
  fresh.replicationFactor = replicationFactor;
  validateClusterMap(fresh);
  const found = await Promise.all(shards.map(async (s) => {
    const client = new ShardClient(s, () => 0n, shardOptions);
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
