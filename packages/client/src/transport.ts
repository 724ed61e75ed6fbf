import type {
  AddShardRequest,
  ClusterMapReply__Output,
  Op,
  OpResult__Output,
  ScanRequest,
  PlanResponse__Output,
  RebalanceRequest,
  RemoveShardRequest,
  ScanResponse__Output,
  SetReplicationFactorRequest,
  SetWeightRequest,
  StatusResponse__Output,
} from '@ringkv/core';

/** A serving status of the standard gRPC health service. */
export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/** One membership request of the Admin service (each answers with a plan). */
export type MembershipChange =
  | { method: 'addShard'; request: AddShardRequest }
  | { method: 'removeShard'; request: RemoveShardRequest }
  | { method: 'setWeight'; request: SetWeightRequest }
  | { method: 'rebalance'; request: RebalanceRequest }
  | { method: 'setReplicationFactor'; request: SetReplicationFactorRequest };

/**
 * One router as the client talks to it. The client only ever calls these methods, so a
 * transport that multiplexes batches over a long-lived bidirectional stream can replace the
 * unary one without touching the public API.
 *
 * Every method rejects with a RingKvError: the gRPC status converted once (fromGrpcError),
 * CLOSED after close(), or the signal's reason when the signal aborts.
 */
export interface RouterTransport {
  /** The router's `HOST:PORT`. */
  readonly address: string;
  /**
   * Resolves once the router accepts a connection; rejects with UNAVAILABLE as soon as a
   * connection attempt fails, or at `deadline` if none completes.
   */
  connect(deadline: number): Promise<void>;
  /**
   * Runs a batch of operations; one result per operation, in order. `unary` sends it as its
   * own call, not as a frame of the shared stream (for a blocking pop, which may wait).
   */
  execute(ops: Op[], deadline: number, signal?: AbortSignal, unary?: boolean): Promise<OpResult__Output[]>;
  scan(request: ScanRequest, deadline: number, signal?: AbortSignal): Promise<ScanResponse__Output>;
  /** `withoutCounts` skips the shards' key and byte counts (a scan of each shard). */
  status(deadline: number, signal?: AbortSignal, withoutCounts?: boolean): Promise<StatusResponse__Output>;
  clusterMap(deadline: number, signal?: AbortSignal): Promise<ClusterMapReply__Output>;
  /** AddShard, RemoveShard, SetWeight, Rebalance or SetReplicationFactor (dry run or not): the router's plan. */
  changeMembership(change: MembershipChange, deadline: number, signal?: AbortSignal): Promise<PlanResponse__Output>;
  /**
   * One standard health check (grpc.health.v1.Health/Check of the whole server): resolves to
   * the router's serving status, or rejects (UNAVAILABLE) when it cannot be reached by `deadline`.
   */
  checkHealth(deadline: number): Promise<HealthStatus>;
  /**
   * Follows the router's serving status (grpc.health.v1.Health/Watch) until the returned
   * function is called: `listener` gets every status the router reports, then `FAILED` once
   * if the stream breaks (router unreachable) or `UNIMPLEMENTED` if the router has no health
   * service. Nothing is reported after the stop function is called.
   */
  watchHealth(listener: (status: HealthStatus | 'FAILED' | 'UNIMPLEMENTED') => void): () => void;
  /** Fails calls in flight with CLOSED and releases the connection. Idempotent. */
  close(): void;
}
