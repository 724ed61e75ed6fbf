import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** What `coordinator.json` records: this router accepted the change committed on top of `baseEpoch`. */
export interface CoordinatorClaim {
  clusterId: string;
  baseEpoch: string;
}

/**
 * Whether this router coordinates the membership change in progress. The plan lives in the
 * cluster map, which every router sees; the claim lives only in the data dir of the router
 * that accepted the change (or took it over with Rebalance). A router resumes a change at
 * start only with a claim, so a second router restarted mid-change does not become a second
 * coordinator driving the same arcs.
 */
export class CoordinatorMarker {
  readonly path: string;
  readonly #dir: string;
  /** Writes and removals run one at a time, in call order (two changes may race to claim). */
  #chain: Promise<unknown> = Promise.resolve();
  #writes = 0;

  constructor(dataDir: string) {
    this.#dir = dataDir;
    this.path = join(dataDir, 'coordinator.json');
  }

  async load(): Promise<CoordinatorClaim | undefined> {
    try {
      const c = JSON.parse(await readFile(this.path, 'utf8')) as Partial<CoordinatorClaim>;
      return typeof c.clusterId === 'string' && typeof c.baseEpoch === 'string' ? { clusterId: c.clusterId, baseEpoch: c.baseEpoch } : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  /** Records the claim durably (write, fsync, rename) before the change is committed. */
  set(claim: CoordinatorClaim): Promise<void> {
    return this.#serialize(() => this.#write(claim));
  }

  clear(): Promise<void> {
    return this.#serialize(() => unlink(this.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    }));
  }

  #serialize(fn: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #write(claim: CoordinatorClaim): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const tmp = `${this.path}.${process.pid}.${++this.#writes}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(claim));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
  }
}
