/** A key: a UTF-8 string or raw bytes (any bytes, not only valid UTF-8). Must not be empty. */
export type Key = string | Uint8Array;

/** A value: a UTF-8 string or raw bytes. */
export type Value = string | Uint8Array;

/** `open` until `close()` is called, then `closed` for good. */
export type ClientStatus = 'open' | 'closed';

/**
 * How batches and calls are spread over the routers (each batch of single-key operations
 * issued in the same tick, each scan page and admin call is one pick):
 * - `'round_robin'`: each router in turn;
 * - `'random'`: a uniformly random router;
 * - `{ weighted: { 'HOST:PORT': weight } }`: in proportion to positive weights (smooth
 *   weighted round robin); every router in `routers` needs a weight, and only those.
 * Ejected routers are skipped; their share goes to the others in proportion.
 */
export type LoadBalancingPolicy = 'round_robin' | 'random' | { weighted: Record<string, number> };

/**
 * Where reads (`get`, `getEntry`, `batchGet`) go:
 * - `'primary'`: the primary of the key's arc, which orders every write to the key: a read sees
 *   every write acknowledged before it started (linearizable);
 * - `'replica'`: any in-sync replica of the key (the primary included), picked by
 *   `replicaSelection`. Spreads reads over the replicas, but a replica may not have applied the
 *   writes in flight yet (acknowledged or not), so a read may miss the latest writes; it never
 *   returns a write that was not replicated to that replica (nothing is read from a replica
 *   that is out of sync or still catching up).
 */
export type ReadFrom = 'primary' | 'replica';

/**
 * How a replica read (`readFrom: 'replica'`) picks one of the key's in-sync replicas; the
 * router that forwards the read decides:
 * - `'random'`: uniformly at random;
 * - `'round_robin'`: each in turn (one counter per router, shared by all keys);
 * - `'least_outstanding'`: the one with the fewest requests in flight from that router, ties at random.
 */
export type ReplicaSelection = 'random' | 'round_robin' | 'least_outstanding';

export interface ClientOptions {
  /**
   * Router addresses as `HOST:PORT` (`[v6]:PORT` for IPv6). Work is spread over them by
   * `loadBalancing`, one batch at a time; `connect()` succeeds when at least one of them is
   * reachable.
   */
  routers: string[];
  /**
   * How work is spread over `routers`.
   * @default 'round_robin'
   */
  loadBalancing?: LoadBalancingPolicy;
  /**
   * How long a router is ejected (gets no traffic) after its connection failed or it reported
   * NOT_SERVING, before the first health check, in milliseconds. Each failed health check
   * doubles it, up to `ejectionBackoffMaxMs`; each wait is jittered by up to 20% either way.
   * @default 250
   */
  ejectionBackoffInitialMs?: number;
  /**
   * Longest wait between two health checks of an ejected router, in milliseconds.
   * @default 30000
   */
  ejectionBackoffMaxMs?: number;
  /**
   * Deadline of one health check of an ejected router, in milliseconds.
   * @default 1000
   */
  healthCheckTimeoutMs?: number;
  /**
   * Deadline of each call in milliseconds, when the call does not pass its own `timeoutMs`.
   * @default 5000
   */
  timeoutMs?: number;
  /**
   * How long `connect()` waits for a router to accept a connection, in milliseconds.
   * @default 3000
   */
  connectTimeoutMs?: number;
  /**
   * How batches reach the routers: `'stream'` multiplexes them as id-tagged frames over one
   * long-lived bidirectional stream per router; `'unary'` makes one gRPC call per batch.
   * @default 'stream'
   */
  transport?: 'stream' | 'unary';
  /**
   * Where reads go unless a call says otherwise: `'primary'` (linearizable) or `'replica'`
   * (spread over the in-sync replicas; a replica read may miss the latest writes in flight, and
   * never returns a write that was not replicated to that replica). See {@link ReadFrom}.
   * @default 'primary'
   */
  readFrom?: ReadFrom;
  /**
   * How replica reads pick a replica unless a call says otherwise; only used when a read goes
   * to a replica. See {@link ReplicaSelection}.
   * @default 'random'
   */
  replicaSelection?: ReplicaSelection;
  /**
   * Access token, sent as `authorization: Bearer <token>` on every call. Needed when the
   * routers run with `--tokens`; its role (read-only, read-write, admin) decides what the client
   * may do. Without TLS it travels in clear text.
   * @default undefined (no token)
   */
  token?: string;
  /**
   * Connect to the routers with TLS. `{}` trusts the system's CAs; routers started with
   * `ringkv certs init` certificates need `{ ca: 'certs/ca.pem' }`.
   * @default undefined (plaintext)
   */
  tls?: ClientTlsOptions;
}

/** TLS towards the routers. Each PEM is a Buffer, a string holding the PEM text, or a file path. */
export interface ClientTlsOptions {
  /**
   * CA certificate(s) the routers' certificates must chain to.
   * @default undefined (the system's CAs)
   */
  ca?: string | Buffer;
  /**
   * Client certificate, with `key` (the routers do not ask for one; storage nodes do).
   * @default undefined
   */
  cert?: string | Buffer;
  /**
   * Private key of `cert`.
   * @default undefined
   */
  key?: string | Buffer;
  /**
   * Host name the routers' certificate must name, when it is not the one in `routers`.
   * @default undefined (the host of each router address)
   */
  serverName?: string;
}

/** One router as the client sees it: `client.routerStats()`. Counters start at `connect()`. */
export interface RouterStats {
  /** The router's `HOST:PORT` (normalised). */
  address: string;
  /** `healthy` routers get traffic; `ejected` ones get none unless every router is ejected. */
  state: 'healthy' | 'ejected';
  /** When an ejected router's next health check is due (ms since the Unix epoch); absent when healthy. */
  ejectedUntil?: number;
  /** Why it was last ejected or failed its last health check; absent if it never was. */
  lastFailure?: string;
  /** Times it went from healthy to ejected. */
  ejections: number;
  /** Batches of single-key operations sent to it (one Pipeline frame or Execute call each). */
  batches: number;
  /** Operations in those batches (an operation retried on it counts again). */
  operations: number;
  /** Scan pages, status, cluster map and membership calls sent to it. */
  calls: number;
  /** Operations sent to it and not answered yet. */
  inFlightOperations: number;
  /** Batches and calls that failed because of the router itself (connection refused or lost, stream broken). */
  failures: number;
  /** Operations in the batches counted in `failures`. */
  failedOperations: number;
}

/** Options every call takes. */
export interface CallOptions {
  /**
   * Deadline of this call in milliseconds; when it passes, the call fails with
   * DEADLINE_EXCEEDED (a write may or may not have been applied).
   * @default the client's `timeoutMs` (5000)
   */
  timeoutMs?: number;
  /**
   * Aborting it fails the call with CANCELLED (a write may or may not have been applied).
   * @default undefined
   */
  signal?: AbortSignal;
}

/** Options of `get()`, `getEntry()` and `batchGet()`. */
export interface ReadOptions extends CallOptions {
  /**
   * Where this read goes: `'primary'` (linearizable) or `'replica'` (any in-sync replica; it may
   * miss the latest writes in flight, and never returns a write that was not replicated to that
   * replica). See {@link ReadFrom}.
   * @default the client's `readFrom` ('primary')
   */
  readFrom?: ReadFrom;
  /**
   * How this read picks a replica, when it goes to one. See {@link ReplicaSelection}.
   * @default the client's `replicaSelection` ('random')
   */
  replicaSelection?: ReplicaSelection;
}

export interface PutOptions extends CallOptions {
  /**
   * Time to live in milliseconds: the key disappears this long after the write.
   * @default undefined (never expires)
   */
  ttlMs?: number;
  /**
   * Write only if the key currently holds exactly this version, else fail with CONFLICT.
   * Cannot be combined with `ifAbsent`.
   * @default undefined
   */
  ifVersion?: bigint;
  /**
   * Write only if the key does not exist (absent, deleted or expired), else fail with CONFLICT.
   * Cannot be combined with `ifVersion`.
   * @default false
   */
  ifAbsent?: boolean;
}

export interface DeleteOptions extends CallOptions {
  /**
   * Delete only if the key currently holds exactly this version, else fail with CONFLICT.
   * @default undefined
   */
  ifVersion?: bigint;
}

/** A stored value with its metadata, as returned by `getEntry()`. */
export interface VersionedValue {
  /** The value bytes. */
  value: Buffer;
  /** The version the owning shard gave this write; use it with `ifVersion` for compare-and-set. */
  version: bigint;
  /** Absolute expiry in milliseconds since the Unix epoch; absent when the key never expires. */
  expiresAtMs?: number;
}

/** One entry of `batchPut()`. */
export interface BatchPutEntry {
  /** The key to write. */
  key: Key;
  /** The value to write. */
  value: Value;
  /**
   * Time to live in milliseconds.
   * @default undefined (never expires)
   */
  ttlMs?: number;
}

/** One key-value pair yielded by a scan. */
export interface ScanEntry {
  /** The key bytes (exactly as written, UTF-8 or not). */
  key: Buffer;
  /** The value bytes. */
  value: Buffer;
  /** The version of the write that produced this value. */
  version: bigint;
}

export interface ScanPageOptions extends CallOptions {
  /**
   * Only keys that start with these bytes. Pass the same prefix again when resuming with a cursor.
   * @default undefined (every key)
   */
  prefix?: Key;
  /**
   * Where to resume: a `cursor` from an earlier scan or page over the same prefix.
   * @default undefined (the start of the ring)
   */
  cursor?: string;
  /**
   * Most entries to return (the router caps a page at 10000).
   * @default 1000
   */
  limit?: number;
}

export interface ScanOptions extends CallOptions {
  /**
   * Only keys that start with these bytes. Pass the same prefix again when resuming with a cursor.
   * @default undefined (every key)
   */
  prefix?: Key;
  /**
   * Most entries the whole scan yields.
   * @default undefined (no limit)
   */
  limit?: number;
  /**
   * Where to resume: the `cursor` of an earlier scan or page over the same prefix.
   * @default undefined (the start of the ring)
   */
  cursor?: string;
  /**
   * Entries fetched per request to the router (1 to 10000).
   * @default 1000
   */
  pageSize?: number;
  /**
   * Deadline of each page request (not of the whole scan), in milliseconds.
   * @default the client's `timeoutMs` (5000)
   */
  timeoutMs?: number;
}

/** One page of a scan. */
export interface ScanPage {
  /** The entries, in ring order. */
  entries: ScanEntry[];
  /** Pass to the next `scanPage()` or `scan()`; undefined when the scan is finished. */
  cursor: string | undefined;
}

/** A scan in progress: iterate it with `for await`. Breaking out of the loop releases it. */
export interface ScanIterable extends AsyncIterable<ScanEntry> {
  /**
   * Opaque cursor positioned after the last entry yielded so far (at the start, the scan's
   * starting point); `scan({ cursor })` resumes there. Undefined once the scan is finished.
   */
  readonly cursor: string | undefined;
}

/** One shard as the router sees it. */
export interface ShardStatus {
  /** Shard id, for example `shard-1`. */
  id: string;
  /** The shard's `HOST:PORT`. */
  address: string;
  /** Relative share of the ring. */
  weight: number;
  /** `active`, `joining` or `leaving`. */
  state: string;
  /** Live keys the shard holds (no tombstones, no expired keys). */
  keys: bigint;
  /** Bytes of live keys and values. */
  bytes: bigint;
  /** Whether the router could reach the shard for this status. */
  reachable: boolean;
  /** Why the shard could not be reached; absent when it could. */
  error?: string;
  /**
   * Whether the shard is in the in-sync sets of the arcs it replicates: `in_sync`,
   * `out_of_sync` (dropped: unreachable or behind; the coordinator catches it up when it is
   * back) or `catching_up` (receiving a copy of its arcs from their primaries).
   */
  replicaState: ReplicaState;
  /** The shard's primary lease as it reports it; absent when it could not be asked. */
  lease?: PrimaryLeaseStatus;
}

/**
 * A primary's lease (docs/ARCHITECTURE.md "Primary leases"): at replication factor > 1 a shard
 * serves the arcs it leads only while it holds an unexpired lease from the coordinator, which
 * fails no shard over before that shard's lease has run out.
 */
export interface PrimaryLeaseStatus {
  /** The cluster is replicated, so the shard needs a lease to serve as a primary. */
  primary: boolean;
  /** The lease has not run out. */
  held: boolean;
  /** How long it lasts without another renewal, in milliseconds. */
  remainingMs: number;
  /** Who granted it: the coordinator's id and term. */
  grantor: string;
  /** The duration of each grant, in milliseconds. */
  durationMs: number;
}

/** A router of the cluster, as status shows it. */
export interface RouterStatus {
  id: string;
  /** Where its KV and Admin APIs answer. */
  address: string;
  /** The epoch of the cluster map it routes with, as it last reported it. */
  epoch: bigint;
  /** It is the coordinator (the elected leader; a lone router always is). */
  coordinator: boolean;
  version: string;
  /** Milliseconds since it last reported (0 for the router that answered). */
  reportedMsAgo: number;
}

/** A shard's replication state (see `ShardStatus.replicaState`). */
export type ReplicaState = 'in_sync' | 'out_of_sync' | 'catching_up';

/** Arcs of the ring that share one preference list (the same replicas, in the same order). */
export interface ArcGroupStatus {
  /** The preference list: the shards that hold a copy of these arcs, primary candidates first. */
  replicas: string[];
  /** The first in-sync replica, which serves the arcs; empty when none is in sync. */
  primary: string;
  /** The replicas in the in-sync set, in preference order (the primary first). */
  inSync: string[];
  /** Contiguous arcs of the ring in the group. */
  arcs: number;
  /** Fraction of the hash space the group covers, 0 to 1. */
  fraction: number;
  /** Fewer in-sync replicas than the replication factor asks for (or than there are shards). */
  underReplicated: boolean;
}

/** One arc of the hash ring changing owner. */
export interface ArcMigration {
  /** Arc start (exclusive), a 32-bit ring position. */
  start: number;
  /** Arc end (inclusive), a 32-bit ring position. */
  end: number;
  /** Shard id the arc moves from. */
  from: string;
  /** Shard id the arc moves to: its primary once the migration is done. */
  to: string;
  /**
   * Shards that receive a copy of the arc (its new replicas that did not hold it). With
   * replication factor 1 this is `[to]`; a change that only drops copies or hands the arc to
   * a replica that already holds it has none.
   */
  targets: string[];
  /** `pending`, `copying`, `handoff` (the source refuses the arc for a moment) or `done`. */
  state: ArcMigrationState;
  /** Keys copied so far. */
  keysMoved: bigint;
  /** Bytes copied so far. */
  bytesMoved: bigint;
  /** Live keys on the source when the plan was made (0 when the source could not say). */
  estimatedKeys: bigint;
  /** Live bytes on the source when the plan was made (0 when the source could not say). */
  estimatedBytes: bigint;
}

/** Where an arc is in its migration. */
export type ArcMigrationState = 'pending' | 'copying' | 'handoff' | 'done';

/** A membership change as the router planned it: the arcs that change owner. */
export interface MigrationPlan {
  /** The epoch that committed the plan; for a dry run, the current epoch. */
  epoch: bigint;
  /** Whether the plan was committed (false for a dry run, and for `rebalance()`, which only resumes). */
  committed: boolean;
  /** The arcs that change owner, in ring order. */
  arcs: ArcMigration[];
  /** Live keys the arcs hold now (the sum of the arcs' estimates). */
  estimatedKeys: bigint;
  /** Live bytes the arcs hold now. */
  estimatedBytes: bigint;
  /** Fraction of the hash space that moves, 0 to 1. */
  fraction: number;
}

export interface ChangeOptions extends CallOptions {
  /**
   * Compute and return the plan, change nothing.
   * @default false
   */
  dryRun?: boolean;
}

export interface RemoveShardOptions extends ChangeOptions {
  /**
   * The shard will never return: copy its arcs from their other in-sync replicas instead of
   * from it. Refused (UNAVAILABLE) when an arc has no other in-sync replica, which is always
   * the case at replication factor 1.
   * @default false
   */
  force?: boolean;
}

export interface AddShardOptions extends ChangeOptions {
  /**
   * Relative share of the ring (the existing shards usually have 1), > 0 and at most 1000.
   * @default 1
   */
  weight?: number;
}

/** The cluster as one router sees it. */
export interface ClusterStatus {
  /** Identifier of the cluster, fixed when it was bootstrapped. */
  clusterId: string;
  /** Cluster-map epoch; every membership change increments it. */
  epoch: bigint;
  /** Every member shard. */
  shards: ShardStatus[];
  /** Arcs currently moving between shards (empty when the cluster is settled). */
  migrations: ArcMigration[];
  /**
   * Why the coordinating router's last migration step failed (it retries every 500 ms),
   * for example an unreachable target; absent while the migration progresses or none runs.
   */
  migrationError?: string;
  /** Copies of every key the cluster keeps (1 to 5; 1 from a router without replication). */
  replicationFactor: number;
  /**
   * The ring's arcs grouped by preference list, with each group's primary and in-sync
   * replicas, ordered by primary then by share of the ring.
   */
  arcGroups: ArcGroupStatus[];
  /** Arcs with fewer in-sync replicas than the replication factor asks for. */
  underReplicatedArcs: number;
  /** Fraction of the hash space those arcs cover, 0 to 1. */
  underReplicatedFraction: number;
  /**
   * Why the coordinating router's last failover or catch-up step failed (it retries);
   * absent when none failed.
   */
  replicationError?: string;
  /** Where the cluster map lives: `file` (a lone router's data dir) or `etcd`. */
  controlPlane: 'file' | 'etcd' | string;
  /** The coordinator's router id and address; absent while none is elected. */
  coordinator?: { id: string; address: string };
  /** Every live router with the epoch it routes with. */
  routers: RouterStatus[];
  /** Why the control plane cannot act right now (etcd unreachable, no coordinator); absent when it can. */
  controlPlaneError?: string;
  /** The router that answered. */
  answeredBy: string;
}
