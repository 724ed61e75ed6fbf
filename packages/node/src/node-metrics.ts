import { OpMetrics, createMetricsRegistry, gaugeRegistrar, opKindOf, type Op__Output, type PipelineStreams } from '@ringkv/core';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { NodeStats, StorageEngine } from './storage-engine.js';

export interface NodeMetricsOptions {
  /**
   * Live keys and bytes come from a scan of the shard's data (engine.stats()): a scrape reuses
   * the last count while it is younger than this and refreshes it in the background after.
   * @default 30_000
   */
  statsMaxAgeMs?: number;
}

/**
 * A storage node's Prometheus metrics, labelled `shard`: operations by op and outcome with
 * their latency (recorded by the node's services as frames are answered), and gauges read from
 * the engine on scrape. Process metrics come with the registry.
 */
export class NodeMetrics {
  readonly registry: Registry;
  readonly ops: OpMetrics;
  readonly #engine: StorageEngine;
  readonly #statsMaxAgeMs: number;
  #stats: { at: number; value: NodeStats } | undefined;
  #refreshing: Promise<NodeStats> | undefined;

  constructor(engine: StorageEngine, pipelines: PipelineStreams, options: NodeMetricsOptions = {}) {
    this.#engine = engine;
    this.#statsMaxAgeMs = options.statsMaxAgeMs ?? 30_000;
    const registry = createMetricsRegistry({ shard: engine.nodeId });
    this.registry = registry;
    this.ops = new OpMetrics(registry, {
      total: 'ringkv_node_ops_total',
      totalHelp: 'Operations executed by this shard, by op kind and outcome (OK or a ringkv error code); a scan page counts as one op "scan"',
      duration: 'ringkv_node_op_duration_seconds',
      durationHelp: 'Time from receiving the frame or call holding an operation to its answer, by op kind',
    });
    const gauge = gaugeRegistrar(registry);
    // Counts kept by the engine: exposed as counters with their current value at each scrape.
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(read()); } });

    gauge('ringkv_node_epoch', 'Epoch of the cluster map this shard holds (0 before it has one)', (g) => g.set(Number(engine.epoch)));
    gauge('ringkv_node_write_queue_depth', 'Writes waiting for the next LevelDB batch', (g) => g.set(engine.writeQueueDepth));
    gauge('ringkv_node_pipeline_streams', 'Pipeline streams open on this shard (one per router, normally)', (g) => g.set(pipelines.streams));
    gauge('ringkv_node_pipeline_frames_in_flight', 'Pipeline frames received and not answered yet', (g) => g.set(pipelines.framesInFlight));
    gauge('ringkv_node_keys', 'Live keys held (not deleted, not expired); refreshed at most every statsMaxAgeMs', async (g) => {
      g.set((await this.#liveStats()).keys);
    });
    gauge('ringkv_node_bytes', 'Bytes of the live keys held (keys plus values); refreshed at most every statsMaxAgeMs', async (g) => {
      g.set((await this.#liveStats()).bytes);
    });
    gauge('ringkv_node_tombstones', 'Deletes remembered (until the tombstone grace period ends); refreshed at most every statsMaxAgeMs',
      async (g) => {
        g.set((await this.#liveStats()).tombstones);
      });
    gauge('ringkv_node_queue_indexed_messages', 'Messages in the in-memory indexes of queues used since their arc last changed, by lane',
      (g) => {
        const n = engine.queueIndexedMessages();
        g.labels('queue').set(n.queued);
        g.labels('dead_letters').set(n.deadLetters);
      }, ['lane']);
    counter('ringkv_node_migration_sent_keys_total', 'Records of arc snapshots ingested by migration targets', () => engine.migrationSent.snapshotKeys);
    counter('ringkv_node_migration_sent_bytes_total', 'Bytes of arc snapshots ingested by migration targets', () => engine.migrationSent.snapshotBytes);
    counter('ringkv_node_migration_forwarded_keys_total', 'Writes to copying arcs forwarded to their target',
      () => engine.migrationSent.forwardedKeys);
    counter('ringkv_node_migration_ingested_keys_total', 'Records received from migration sources and applied (newer than what was held)',
      () => engine.ingested.applied);
    counter('ringkv_node_migration_skipped_keys_total', 'Records received from migration sources and skipped (not newer than what was held)',
      () => engine.ingested.skipped);
    counter('ringkv_node_replicated_records_total', 'Records this node, as a primary, replicated to its replicas (counted per replica)',
      () => engine.replicated.records);
    counter('ringkv_node_replication_failures_total', 'Replications this node, as a primary, sent that a replica did not acknowledge',
      () => engine.replicated.failures);
  }

  /** Records every op of a frame or call that ended at once (`results` in op order, or `err` for all). */
  recordOps(ops: readonly Op__Output[], results: ReadonlyArray<{ errorCode?: string }> | undefined, errorCode: string, startedAt: number): void {
    const seconds = (performance.now() - startedAt) / 1000;
    for (let i = 0; i < ops.length; i++) {
      this.ops.record(opKindOf(ops[i]!), results ? results[i]?.errorCode : errorCode, seconds);
    }
  }

  /** The last count if young enough; else the first count is awaited and later ones refresh in the background. */
  #liveStats(): Promise<NodeStats> {
    const cached = this.#stats;
    if (cached && Date.now() - cached.at < this.#statsMaxAgeMs) return Promise.resolve(cached.value);
    const refresh = this.#refreshing ??= this.#engine.stats().then((value) => {
      this.#stats = { at: Date.now(), value };
      return value;
    }).finally(() => {
      this.#refreshing = undefined;
    });
    if (!cached) return refresh;
    refresh.catch(() => undefined); // a failed background refresh keeps the last count
    return Promise.resolve(cached.value);
  }
}
