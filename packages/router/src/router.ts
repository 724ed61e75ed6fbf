import {
  AdminService, DEFAULT_LIMITS, InFlightLimiter, PipelineStreams, DEFAULT_VNODES_PER_WEIGHT, KvService,
  MetricsServer, RequestLog, SERVICE_NAMES, addGuardedService, bindServer, createLogger, createServer,
  parseHostPort, peerCredentials, serverCredentials, shutdownServer,
  type FrameHandler, type InFlightLimits, type Logger, type ServingHealth, type SizeLimits, type TlsMaterial,
} from '@ringkv/core';
import type { Server } from '@grpc/grpc-js';
import { Topology } from './topology.js';
import { Forwarder } from './forwarder.js';
import { Scanner } from './scanner.js';
import type { ShardClientOptions } from './shard-client.js';
import { AccessControl } from './access.js';
import type { TokenEntry } from './tokens.js';
import { kvHandlers, pipelineFrameHandler } from './kv-service.js';
import { adminHandlers } from './admin-service.js';
import { RouterMetrics } from './router-metrics.js';
import { ControlPlane, type BootstrapShard } from './control/control-plane.js';
import { AdminForwarder } from './control/admin-forward.js';
import type { EtcdOptions } from './control/etcd-client.js';
import type { Migrator } from './control/migrator.js';
import type { Failover } from './control/failover.js';

export type { BootstrapShard };

/** The router's version, reported in Status and the router registry. */
export const ROUTER_VERSION = '0.1.0';

/** The in-flight caps (InFlightLimits) bound the router's memory under overload: see README "Limits and overload". */
export interface RouterOptions extends InFlightLimits {
  /** HOST:PORT to listen on; port 0 picks a free port (see `address`). */
  listen: string;
  /** Where the cluster map is persisted. */
  dataDir: string;
  /**
   * This router's id: its name in Status and in the coordinator election. @default its
   * advertised address
   */
  id?: string;
  /** Where other routers and clients reach this router. @default `listen` (its bound address) */
  advertise?: string;
  /** Bootstraps a new cluster when there is no map yet (in dataDir, or in etcd); ignored (with a warning) otherwise. */
  shards?: BootstrapShard[];
  /**
   * The control plane on etcd: the cluster map, the coordinator election and the router
   * registry live there, and any router takes membership changes. @default undefined (a lone
   * router: the map in dataDir, and it coordinates itself)
   */
  etcd?: EtcdOptions & { sessionTtlSeconds?: number };
  /**
   * Without etcd: this router serves data and reads but never coordinates, and follows the
   * map from the shards (extra routers in front of a lone-router cluster). @default false
   */
  serveOnly?: boolean;
  /** Virtual nodes per unit of weight for a new cluster. @default 256 */
  vnodesPerWeight?: number;
  /** Replication factor of a new cluster (1 to 5; change it later with SetReplicationFactor). @default 1 */
  replicationFactor?: number;
  /** The coordinator: how often each shard is checked. @default 500 */
  heartbeatIntervalMs?: number;
  /** The coordinator: a shard silent this long is dropped from the in-sync sets (its arcs fail over). @default 3000 */
  failureTimeoutMs?: number;
  limits?: Partial<SizeLimits>;
  /** Deadline of each router -> shard call. @default 5000 */
  requestTimeoutMs?: number;
  /** WRONG_OWNER / TRY_AGAIN retries. @default 8 */
  maxRedirections?: number;
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
  /** The control-plane wing: map source, leadership, coordinator, registry. */
  readonly control: ControlPlane;
  /** The address the metrics endpoint is bound to, when `metrics` was given. */
  readonly metricsAddress: string | undefined;
  readonly #metricsServer: MetricsServer | undefined;
  /** The token check; `access.replace()` reloads the tokens. */
  readonly access: AccessControl;
  readonly #server: Server;
  readonly #health: ServingHealth;
  readonly #log: Logger;
  readonly #forwarder: AdminForwarder;
  #status: RouterStatus = 'open';
  #closing: Promise<void> | undefined;

  readonly #pipelines: PipelineStreams;

  private constructor(parts: {
    address: string; control: ControlPlane; server: Server; health: ServingHealth; log: Logger; pipelines: PipelineStreams;
    metricsServer: MetricsServer | undefined; access: AccessControl; forwarder: AdminForwarder;
  }) {
    this.access = parts.access;
    this.#pipelines = parts.pipelines;
    this.#metricsServer = parts.metricsServer;
    this.metricsAddress = parts.metricsServer?.address;
    this.address = parts.address;
    this.control = parts.control;
    this.topology = parts.control.topology;
    this.#server = parts.server;
    this.#health = parts.health;
    this.#log = parts.log;
    this.#forwarder = parts.forwarder;
  }

  /** Drives the migrations in the map while this router coordinates. */
  get migrator(): Migrator {
    return this.control.coordinator.migrator;
  }

  /** Failure detection, failover and catch-up, while this router coordinates. */
  get failover(): Failover {
    return this.control.coordinator.failover;
  }

  static async start(options: RouterOptions): Promise<Router> {
    const { host } = parseHostPort(options.listen, 'listen address');
    if (options.metrics !== undefined) parseHostPort(options.metrics, 'metrics address');
    if (options.advertise !== undefined) parseHostPort(options.advertise, 'advertised address');
    const log = options.logger ?? createLogger('ringkv-router');
    const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    const credentials = peerCredentials(options.tls);
    const shardOptions: ShardClientOptions = { requestTimeoutMs, credentials };
    const access = new AccessControl(options.tokens);
    const { server, health } = createServer();
    // Bound first: the advertised address (the id, and what other routers forward to) needs the port.
    let port: number;
    try {
      port = await bindServer(server, options.listen, serverCredentials(options.tls, false));
    } catch (err) {
      server.forceShutdown();
      throw err;
    }
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const advertise = options.advertise ?? address;
    let control: ControlPlane;
    try {
      control = await ControlPlane.open({
        self: { id: options.id ?? advertise, address: advertise },
        version: ROUTER_VERSION,
        dataDir: options.dataDir,
        ...(options.etcd ? { etcd: options.etcd } : {}),
        serveOnly: options.serveOnly ?? false,
        bootstrap: {
          shards: options.shards ?? [], vnodesPerWeight: options.vnodesPerWeight ?? DEFAULT_VNODES_PER_WEIGHT,
          replicationFactor: options.replicationFactor ?? 1,
        },
        shardOptions,
        migration: { arcConcurrency: options.migrationArcConcurrency ?? 4, rateBytesPerSec: options.migrationRateBytesPerSec ?? 0, retryDelayMs: 500 },
        failover: {
          ...(options.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
          ...(options.failureTimeoutMs !== undefined ? { failureTimeoutMs: options.failureTimeoutMs } : {}),
          catchUpRateBytesPerSec: options.migrationRateBytesPerSec ?? 0,
        },
        log,
      });
    } catch (err) {
      server.forceShutdown();
      throw err;
    }
    const topology = control.topology;
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
    const metrics = options.metrics !== undefined ? new RouterMetrics({ topology, migrator: control.coordinator.migrator, pipelines }) : undefined;
    const forwarder: Forwarder = new Forwarder(topology, {
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      maxRedirections: options.maxRedirections ?? 8,
      ...(metrics ? { metrics: metrics.ops } : {}),
    });
    addGuardedService(server, KvService.service, kvHandlers({
      forwarder, scanner: new Scanner(topology), log, pipelines, requests, access, limiter, metrics: metrics?.ops,
    }));
    const adminForwarder = new AdminForwarder(credentials);
    addGuardedService(server, AdminService.service, adminHandlers(control, log, access, adminForwarder));
    let metricsServer: MetricsServer | undefined;
    try {
      if (metrics) metricsServer = await MetricsServer.start(options.metrics!, metrics.registry, log);
    } catch (err) {
      server.forceShutdown();
      await control.close();
      throw err;
    }
    for (const name of ['', SERVICE_NAMES.kv, SERVICE_NAMES.admin]) health.setStatus(name, 'SERVING');
    log.info({
      address, advertise, id: control.self.id, epoch: topology.epoch.toString(), shards: topology.map.members.map((m) => m.id),
      controlPlane: control.kind, role: control.leadership.kind,
      tls: options.tls ? 'on' : 'off', accessTokens: options.tokens?.length ?? 'off',
      ...(metricsServer ? { metrics: metricsServer.address } : {}),
    }, 'router listening');
    control.start();
    return new Router({ address, control, server, health, log, pipelines, metricsServer, access, forwarder: adminForwarder });
  }

  get status(): RouterStatus {
    return this.#status;
  }

  /** Stops accepting calls and lets in-flight ones finish (up to graceMs). Idempotent. */
  close(graceMs = 5_000): Promise<void> {
    this.#closing ??= (async () => {
      this.#status = 'closing';
      for (const name of ['', SERVICE_NAMES.kv, SERVICE_NAMES.admin]) this.#health.setStatus(name, 'NOT_SERVING');
      // Steps down first: another router takes over at once instead of after the lease. With
      // etcd away, stepping down cannot happen (the lease expires by itself): it must not hold
      // the shutdown for long.
      const limitMs = Math.max(1_000, graceMs / 2);
      let timer: NodeJS.Timeout | undefined;
      const closed = await Promise.race([
        this.control.close().then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), limitMs))),
      ]);
      clearTimeout(timer);
      if (!closed) this.#log.warn({ limitMs }, 'control plane did not close in time (etcd unreachable?); its lease expires by itself');
      this.#pipelines.drain();
      // Blocking pops answer "no message" now rather than hold the drain for their wait.
      for (const shard of this.topology.shards()) shard.endBlockingCalls();
      await shutdownServer(this.#server, graceMs, () => this.#log.warn({ graceMs }, 'graceful shutdown timed out: calls still in flight were cut'));
      this.#forwarder.close();
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
