import {
  ErrorCode, InFlightLimiter, MetricsServer, NodeService, PipelineStreams, RequestLog, RingKvError, SERVICE_NAMES,
  addGuardedService, bindServer, createLogger, createServer, newRequestId, parseHostPort, peerCredentials, serverCredentials,
  shutdownServer, validateShardId, type InFlightLimits, type Logger, type ServingHealth, type SizeLimits, type TlsMaterial,
} from '@ringkv/core';
import type { Server } from '@grpc/grpc-js';

import { StorageEngine } from './storage-engine.js';
import { nodeServiceHandlers } from './node-service.js';
import { NodeMetrics } from './node-metrics.js';

/** The in-flight caps (InFlightLimits) bound the node's memory under overload: see README "Limits and overload". */
export interface StorageNodeOptions extends InFlightLimits {
  /** Shard id, fixed for the life of the data dir. */
  id: string;
  /** HOST:PORT to listen on; port 0 picks a free port (see `address`). */
  listen: string;
  dataDir: string;
  limits?: Partial<SizeLimits>;
  /** fsync each write batch. @default false */
  sync?: boolean;
  /** @default 3_600_000 */
  tombstoneGraceMs?: number;
  /** @default 1000 */
  sweepIntervalMs?: number;
  /** How long a primary waits for a replica's acknowledgement (see StorageEngineOptions). @default 2000 */
  replicationTimeoutMs?: number;
  /** HOST:PORT of the Prometheus endpoint (GET /metrics); port 0 picks a free port (see `metricsAddress`). @default undefined (no metrics) */
  metrics?: string;
  /** How old the live keys/bytes count of a scrape may be (each refresh scans the data). @default 30_000 */
  metricsStatsMaxAgeMs?: number;
  /** Frames and calls slower than this are logged at warn with their request ids. @default 1000 */
  slowRequestMs?: number;
  /**
   * Mutual TLS: serve with `cert`, accept only routers and peers whose client certificate the
   * CA signed, and present `cert` to peers during migration. @default undefined (plaintext)
   */
  tls?: TlsMaterial;
  logger?: Logger;
}

export type NodeStatus = 'open' | 'closing' | 'closed';

/** A storage node: the LevelDB engine behind the ringkv.v1.Node gRPC service. */
export class StorageNode {
  readonly id: string;
  /** The address actually bound, HOST:PORT. */
  readonly address: string;
  readonly engine: StorageEngine;
  /** The address the metrics endpoint is bound to, when `metrics` was given. */
  readonly metricsAddress: string | undefined;
  readonly #metricsServer: MetricsServer | undefined;
  readonly #server: Server;
  readonly #health: ServingHealth;
  readonly #log: Logger;
  #status: NodeStatus = 'open';
  #closing: Promise<void> | undefined;

  readonly #pipelines: PipelineStreams;

  private constructor(
    id: string, address: string, engine: StorageEngine, server: Server, health: ServingHealth, log: Logger, pipelines: PipelineStreams,
    metricsServer: MetricsServer | undefined,
  ) {
    this.#pipelines = pipelines;
    this.#metricsServer = metricsServer;
    this.metricsAddress = metricsServer?.address;
    this.id = id;
    this.address = address;
    this.engine = engine;
    this.#server = server;
    this.#health = health;
    this.#log = log;
  }

  static async start(options: StorageNodeOptions): Promise<StorageNode> {
    validateShardId(options.id);
    const { host } = parseHostPort(options.listen, 'listen address');
    if (options.metrics !== undefined) parseHostPort(options.metrics, 'metrics address');
    const log = options.logger ?? createLogger('ringkv-node', { node: options.id });
    const engine = await StorageEngine.open({
      nodeId: options.id,
      dataDir: options.dataDir,
      ...(options.limits ? { limits: options.limits } : {}),
      sync: options.sync ?? false,
      ...(options.tombstoneGraceMs !== undefined ? { tombstoneGraceMs: options.tombstoneGraceMs } : {}),
      ...(options.sweepIntervalMs !== undefined ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
      ...(options.replicationTimeoutMs !== undefined ? { replicationTimeoutMs: options.replicationTimeoutMs } : {}),
      peerCredentials: peerCredentials(options.tls),
      logger: log,
    });
    const { server, health } = createServer();
    const requests = new RequestLog(log, { slowRequestMs: options.slowRequestMs ?? 1_000 });
    const limiter = new InFlightLimiter(options);
    // The handler runs only once the server is up, after `metrics` below is made.
    const pipelines: PipelineStreams = new PipelineStreams(
      async (ops, epoch, requestIds) => {
        const started = performance.now();
        const startedMs = Date.now();
        const reqIds = requestIds.length > 0 ? requestIds : [newRequestId()];
        try {
          const results = await engine.execute(epoch, ops);
          metrics?.recordOps(ops, results, '', started);
          requests.done(reqIds, 'Pipeline', ops.length, startedMs, results);
          return { results, epoch: engine.epoch };
        } catch (err) {
          metrics?.recordOps(ops, undefined, err instanceof RingKvError ? err.code : ErrorCode.INTERNAL, started);
          requests.done(reqIds, 'Pipeline', ops.length, startedMs, undefined, err);
          throw err;
        }
      },
      (err) => log.error({ err }, 'Pipeline frame failed'),
      { limiter, ...(options.maxStreamInFlightOps !== undefined ? { maxStreamInFlightOps: options.maxStreamInFlightOps } : {}) },
    );
    const metrics = options.metrics !== undefined
      ? new NodeMetrics(engine, pipelines, options.metricsStatsMaxAgeMs !== undefined ? { statsMaxAgeMs: options.metricsStatsMaxAgeMs } : {})
      : undefined;
    addGuardedService(server, NodeService.service, nodeServiceHandlers({ engine, log, pipelines, requests, limiter, metrics }));
    let port: number;
    let metricsServer: MetricsServer | undefined;
    try {
      port = await bindServer(server, options.listen, serverCredentials(options.tls, true));
      if (metrics) metricsServer = await MetricsServer.start(options.metrics!, metrics.registry, log);
    } catch (err) {
      server.forceShutdown();
      await engine.close();
      throw err;
    }
    health.setStatus('', 'SERVING');
    health.setStatus(SERVICE_NAMES.node, 'SERVING');
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    log.info({
      address, dataDir: options.dataDir, epoch: engine.epoch.toString(), tls: options.tls ? 'mutual' : 'off',
      ...(metricsServer ? { metrics: metricsServer.address } : {}),
    }, 'storage node listening');
    return new StorageNode(options.id, address, engine, server, health, log, pipelines, metricsServer);
  }

  get status(): NodeStatus {
    return this.#status;
  }

  /** Stops accepting calls, lets in-flight ones finish (up to graceMs), flushes and closes the engine. */
  close(graceMs = 5_000): Promise<void> {
    this.#closing ??= (async () => {
      this.#status = 'closing';
      this.#health.setStatus('', 'NOT_SERVING');
      this.#health.setStatus(SERVICE_NAMES.node, 'NOT_SERVING');
      // Long-lived Pipeline streams end once their frames are answered, so the graceful
      // shutdown waits for work in flight, not for idle streams.
      this.#pipelines.drain();
      // Blocking pops answer "no message" now rather than hold the drain for their wait.
      this.engine.endBlockingCalls();
      await shutdownServer(this.#server, graceMs, () => this.#log.warn({ graceMs }, 'graceful shutdown timed out: calls still in flight were cut'));
      await this.engine.close();
      await this.#metricsServer?.close();
      this.#status = 'closed';
      this.#log.info('storage node closed');
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
