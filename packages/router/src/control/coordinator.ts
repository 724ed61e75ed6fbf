import { ErrorCode, Ownership, RingKvError, encodeClusterMapJson, validateClusterMap, type ClusterMap, type Logger } from '@ringkv/core';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Topology } from '../topology.js';
import type { CommitOptions, Committer, MapChange } from './committer.js';
import { Failover, type FailoverOptions } from './failover.js';
import type { Leadership } from './leadership.js';
import { FileMapSource } from './map-source-file.js';
import type { MapSource } from './map-source.js';
import { Migrator, type MigratorOptions } from './migrator.js';
import type { MapPublisher } from './publisher.js';

export interface CoordinatorDeps {
  topology: Topology;
  source: MapSource;
  leadership: Leadership;
  publisher: MapPublisher;
  log: Logger;
  migration: MigratorOptions;
  failover: FailoverOptions;
}

/**
 * The one role that acts for the cluster (the elected leader; a lone router is always it): it
 * commits every control-plane change and runs migrations, failure detection, failover and
 * catch-up. A commit is: check the leadership, read the committed map, derive the next epoch,
 * compare-and-swap it into the map source (guarded by the leadership in the same etcd
 * transaction), push it to the shards (publisher), and only then route with it here.
 * When the leadership is gained it resumes whatever the map records in flight; when it is lost
 * (its own deadline) it stops at once.
 */
export class Coordinator implements Committer {
  readonly migrator: Migrator;
  readonly failover: Failover;
  readonly #topology: Topology;
  readonly #source: MapSource;
  readonly #leadership: Leadership;
  readonly #publisher: MapPublisher;
  readonly #log: Logger;
  #commits: Promise<unknown> = Promise.resolve();
  #takeover: Promise<void> | undefined;
  #closed = false;

  constructor(deps: CoordinatorDeps) {
    this.#topology = deps.topology;
    this.#source = deps.source;
    this.#leadership = deps.leadership;
    this.#publisher = deps.publisher;
    this.#log = deps.log;
    this.migrator = new Migrator(deps.topology, this, deps.log, deps.migration);
    this.failover = new Failover(deps.topology, this, deps.log, deps.failover);
    this.#leadership.onChange((leading) => {
      if (leading) this.#takeover = this.#takeOver();
      else void this.#stepDown();
    });
  }

  get leading(): boolean {
    return !this.#closed && this.#leadership.leading;
  }

  #assertLeading(): void {
    if (this.leading) return;
    const leader = this.#leadership.leader();
    throw new RingKvError(ErrorCode.UNAVAILABLE, this.#leadership.kind === 'serve-only'
      ? 'this router only serves (--serve-only): make cluster changes through the router that coordinates'
      : `this router is not the coordinator${leader ? ` (${leader.id} at ${leader.address} is)` : ' (none is elected right now)'}; retry`);
  }

  /**
   * Commits the next epoch; see CommitOptions. Rejects with MAP_CHANGED if another commit won,
   * UNAVAILABLE if this router does not lead (nothing written) or a shard in `mustAck` did not
   * install the map (the commit stands). Commits run one at a time.
   */
  commit(change: MapChange, options: CommitOptions = {}): Promise<ClusterMap> {
    const run = this.#commits.then(() => this.#commit(change, options));
    this.#commits = run.catch(() => undefined);
    return run;
  }

  async #commit(change: MapChange, options: CommitOptions): Promise<ClusterMap> {
    this.#assertLeading();
    let base = await this.#source.load();
    // A lone router may route with a newer map it found on a shard before its copy is written.
    if (base && base.map.epoch < this.#topology.epoch && this.#source instanceof FileMapSource) {
      await this.#source.remember(this.#topology.map);
      base = await this.#source.load();
    }
    if (!base) throw new RingKvError(ErrorCode.INTERNAL, 'no committed cluster map to change');
    if (base.map.epoch > this.#topology.epoch) this.#topology.adopt(base.map);
    const epoch = base.map.epoch + 1n > (options.minEpoch ?? 0n) ? base.map.epoch + 1n : options.minEpoch!;
    const next: ClusterMap = { ...change(base.map), epoch };
    validateClusterMap(next);
    new Ownership(next); // builds the ring: fails here, before anything is written
    this.#assertLeading();
    await this.#source.commit(next, base.revision, this.#leadership.guard());
    // Nodes first, then this router: until it switches, it routes at the old epoch, which
    // nodes that already have the new one still serve wherever ownership did not change.
    const failed = await this.#publisher.publish(next, options);
    const ours = this.#topology.epoch === next.epoch && encodeClusterMapJson(this.#topology.map) === encodeClusterMapJson(next);
    if (this.#topology.epoch >= next.epoch && !ours) {
      // A node held a newer map: another router committed without going through this map
      // source (several routers without etcd, each coordinating). Ours is void on those nodes.
      throw new RingKvError(ErrorCode.MAP_CHANGED,
        `the cluster map moved to epoch ${this.#topology.epoch} through another router; this change was not applied — retry`);
    }
    this.#topology.adopt(next);
    // A shard that missed this epoch (a transient error) keeps getting it in the background:
    // a source that missed a DONE would otherwise refuse its old arc with TRY_AGAIN for good.
    if (failed.size > 0) this.#publisher.keepPushing();
    const missing = [...(options.mustAck ?? [])].filter((id) => failed.has(id));
    if (missing.length > 0) throw new RingKvError(ErrorCode.UNAVAILABLE, `epoch ${next.epoch} not installed on ${missing.join(', ')}`);
    return next;
  }

  /** Elected: route with the committed map, push it everywhere, resume what it records. */
  async #takeOver(): Promise<void> {
    let committed: ClusterMap | undefined;
    while (this.leading) {
      try {
        const snap = await this.#source.load();
        if (snap) this.#topology.adopt(snap.map);
        committed = snap?.map;
        break;
      } catch (err) {
        this.#log.warn({ err: (err as Error).message }, 'coordinator cannot read the cluster map yet; retrying');
        await sleep(250);
      }
    }
    if (!this.leading) return;
    // Pushed at once (shards of a new cluster have no map yet and answer nothing until then).
    this.#publisher.keepPushing();
    while (this.leading) {
      try {
        if (committed) await this.#catchUpSource(committed);
        break;
      } catch (err) {
        this.#log.warn({ err: (err as Error).message }, 'coordinator cannot write the shards\' newer map back yet; retrying');
        await sleep(250);
      }
    }
    if (!this.leading) return;
    this.failover.start();
    this.migrator.ensureRunning();
    this.#log.info({ epoch: this.#topology.epoch.toString(), source: this.#source.kind }, 'coordinating the cluster');
  }

  /**
   * The shards hold a newer map than the source: etcd was restored from a backup older than the
   * last change (or a lone router's map file from an old copy). Every map a shard holds was
   * committed once, so the newest of them is the cluster's real state: write it back to the
   * source, at an epoch above every shard's, before driving anything from the stale one.
   */
  async #catchUpSource(committed: ClusterMap): Promise<void> {
    // Briefly: this runs on every takeover, and a shard that does not answer is one of several that got every map.
    const newest = await this.#topology.newestShardMap(500);
    if (!newest || newest.epoch <= committed.epoch) return;
    this.#log.error({
      source: this.#source.kind, sourceEpoch: committed.epoch.toString(), shardEpoch: newest.epoch.toString(),
    }, 'the committed cluster map is older than the shards\' (restored from an old backup?): writing the shards\' map back');
    const recovered = await this.commit(() => newest, { minEpoch: newest.epoch + 1n });
    this.#log.warn({ epoch: recovered.epoch.toString() }, 'cluster map recovered from the shards');
  }

  async #stepDown(): Promise<void> {
    await this.#takeover;
    await Promise.all([this.failover.stop(), this.migrator.stop()]);
  }

  /** Called for every map this router adopts: a change committed elsewhere may need driving. */
  mapAdopted(): void {
    if (this.leading) this.migrator.ensureRunning();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#takeover;
    await Promise.all([this.failover.close(), this.migrator.close()]);
    await this.#commits;
  }
}
