import {
  InFlightLimiter, NodeService, PipelineStreams, SERVICE_NAMES, addGuardedService, bindServer, createServer, parseHostPort, shutdownServer,
  validateShardId, type InFlightLimits, type ServingHealth, type SizeLimits,
} from '@ringkv/core';
import type { Server } from '@grpc/grpc-js';

import { StorageEngine } from './storage-engine.js';
import { nodeServiceHandlers } from './node-service.js';
import { createLogger, type Logger } from '@ringkv/core';

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
  logger?: Logger;
}

export type NodeStatus = 'open' | 'closing' | 'closed';

/** A storage node: the LevelDB engine behind the ringkv.v1.Node gRPC service. */
export class StorageNode {
  readonly id: string;
  /** The address actually bound, HOST:PORT. */
  readonly address: string;
  readonly engine: StorageEngine;
  readonly #server: Server;
  readonly #health: ServingHealth;
  readonly #log: Logger;
  #status: NodeStatus = 'open';
  #closing: Promise<void> | undefined;

  readonly #pipelines: PipelineStreams;

  private constructor(
    id: string, address: string, engine: StorageEngine, server: Server, health: ServingHealth, log: Logger, pipelines: PipelineStreams,
  ) {
    this.#pipelines = pipelines;
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
    const log = options.logger ?? createLogger('ringkv-node', { node: options.id });
    const engine = await StorageEngine.open({
      nodeId: options.id,
      dataDir: options.dataDir,
      ...(options.limits ? { limits: options.limits } : {}),
      sync: options.sync ?? false,
      ...(options.tombstoneGraceMs !== undefined ? { tombstoneGraceMs: options.tombstoneGraceMs } : {}),
      ...(options.sweepIntervalMs !== undefined ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
      logger: log,
    });
    const { server, health } = createServer();
    const limiter = new InFlightLimiter(options);
    const pipelines = new PipelineStreams(
      async (ops, epoch) => ({ results: await engine.execute(epoch, ops), epoch: engine.epoch }),
      (err) => log.error({ err }, 'Pipeline frame failed'),
      { limiter, ...(options.maxStreamInFlightOps !== undefined ? { maxStreamInFlightOps: options.maxStreamInFlightOps } : {}) },
    );
    addGuardedService(server, NodeService.service, nodeServiceHandlers(engine, log, pipelines, limiter));
    let port: number;
    try {
      port = await bindServer(server, options.listen);
    } catch (err) {
      server.forceShutdown();
      await engine.close();
      throw err;
    }
    health.setStatus('', 'SERVING');
    health.setStatus(SERVICE_NAMES.node, 'SERVING');
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    log.info({ address, dataDir: options.dataDir, epoch: engine.epoch.toString() }, 'storage node listening');
    return new StorageNode(options.id, address, engine, server, health, log, pipelines);
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
      this.#status = 'closed';
      this.#log.info('storage node closed');
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
