import {
  ArcState, OpMetrics, createMetricsRegistry, gaugeRegistrar, isMigrating, type PipelineStreams,
} from '@ringkv/core';
import { Gauge, type Registry } from 'prom-client';
import type { Topology } from './topology.js';
import type { Migrator } from './control/migrator.js';

const ARC_STATES = [ArcState.PENDING, ArcState.COPYING, ArcState.HANDOFF, ArcState.DONE] as const;

/**
 * A router's Prometheus metrics: requests by op and outcome with their latency (counted by the
 * Forwarder as each operation completes), and gauges read from the router's state on scrape:
 * epoch, per-shard batching queues, client Pipeline streams, and the progress of a membership
 * change. Process metrics come with the registry.
 */
export class RouterMetrics {
  readonly registry: Registry;
  readonly ops: OpMetrics;

  constructor(state: { topology: Topology; migrator: Migrator; pipelines: PipelineStreams }) {
    const { topology, migrator, pipelines } = state;
    const registry = createMetricsRegistry();
    this.registry = registry;
    this.ops = new OpMetrics(registry, {
      total: 'ringkv_router_requests_total',
      totalHelp: 'Operations answered by this router, by op kind and outcome (OK or a ringkv error code); a scan page counts as one op "scan"',
      duration: 'ringkv_router_request_duration_seconds',
      durationHelp: 'Time from receiving an operation to its result, redirections and retries included, by op kind',
    });
    const gauge = gaugeRegistrar(registry);

    gauge('ringkv_router_epoch', 'Epoch of the cluster map this router routes with', (g) => g.set(Number(topology.epoch)));
    gauge('ringkv_router_shards', 'Shards in the cluster map (members, and members-to-be during a change)', (g) => g.set(topology.shards().length));
    const perShard = (name: string, help: string, read: (s: ReturnType<Topology['shards']>[number]) => number) =>
      gauge(name, help, (g) => {
        g.reset(); // shards that left the map disappear
        for (const s of topology.shards()) g.labels(s.id).set(read(s));
      }, ['shard']);
    perShard('ringkv_router_shard_queued_ops', 'Operations waiting in the batch queue for the shard (bounded: beyond 50,000, RESOURCE_EXHAUSTED)', (s) => s.queuedOps);
    perShard('ringkv_router_shard_batches_in_flight', 'Batches sent to the shard and not answered yet (at most 16)', (s) => s.batchesInFlight);
    perShard('ringkv_router_shard_frames_in_flight', "Frames on the router's Pipeline stream to the shard awaiting a reply", (s) => s.framesInFlight);
    gauge('ringkv_router_pipeline_streams', 'Client Pipeline streams open on this router', (g) => g.set(pipelines.streams));
    gauge('ringkv_router_pipeline_frames_in_flight', 'Client Pipeline frames received and not answered yet', (g) => g.set(pipelines.framesInFlight));

    gauge('ringkv_router_migration_running', '1 while a membership change recorded in the cluster map is unfinished', (g) =>
      g.set(isMigrating(topology.map) ? 1 : 0));
    gauge('ringkv_router_migration_arcs', 'Arcs of the current membership change, by state (0 when none runs)', (g) => {
      const counts = new Map<string, number>(ARC_STATES.map((s) => [s, 0]));
      for (const m of topology.map.migrations) counts.set(m.state, (counts.get(m.state) ?? 0) + 1);
      for (const [s, n] of counts) g.labels(s).set(n);
    }, ['state']);
    const moved = (read: (p: { keysMoved: bigint; bytesMoved: bigint }) => bigint) => () =>
      topology.map.migrations.reduce((sum, m) => sum + Number(read(migrator.progressOf(m))), 0);
    gauge('ringkv_router_migration_moved_keys', 'Keys copied so far by the current membership change (arcs done, and live progress of arcs copying)',
      (g) => g.set(moved((p) => p.keysMoved)()));
    gauge('ringkv_router_migration_moved_bytes', 'Bytes copied so far by the current membership change',
      (g) => g.set(moved((p) => p.bytesMoved)()));
    gauge('ringkv_router_migration_estimated_keys', 'Keys the current membership change was estimated to move when planned',
      (g) => g.set(topology.map.migrations.reduce((sum, m) => sum + Number(m.estimatedKeys), 0)));
    gauge('ringkv_router_migration_estimated_bytes', 'Bytes the current membership change was estimated to move when planned',
      (g) => g.set(topology.map.migrations.reduce((sum, m) => sum + Number(m.estimatedBytes), 0)));
  }
}
