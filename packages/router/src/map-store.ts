import { ErrorCode, RingKvError, decodeClusterMapJson, encodeClusterMapJson, type ClusterMap } from '@ringkv/core';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The router's durable copy of the cluster map: write to a temporary file, fsync, rename
 * over the old one, fsync the directory. A crash leaves either the old or the new map.
 */
export class MapStore {
  readonly path: string;
  readonly #dir: string;
  #saves: Promise<unknown> = Promise.resolve();
  #savedEpoch = 0n;
  #seq = 0;

  constructor(dataDir: string) {
    this.#dir = dataDir;
    this.path = join(dataDir, 'cluster-map.json');
  }

  async load(): Promise<ClusterMap | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let map: ClusterMap;
    try {
      map = decodeClusterMapJson(text);
    } catch (err) {
      throw new RingKvError(ErrorCode.INTERNAL, `cannot read the cluster map ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    this.#savedEpoch = map.epoch;
    return map;
  }

  /**
   * Saves one map at a time; a map not newer than the last one saved is skipped, unless
   * `replaceSameEpoch` (the cluster's own map replacing a void one of this router's).
   */
  save(map: ClusterMap, replaceSameEpoch = false): Promise<void> {
    const run = this.#saves.then(() =>
      (map.epoch > this.#savedEpoch || (replaceSameEpoch && map.epoch === this.#savedEpoch) ? this.#write(map) : undefined));
    this.#saves = run.catch(() => undefined);
    return run;
  }

  async #write(map: ClusterMap): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const tmp = `${this.path}.${process.pid}.${++this.#seq}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(encodeClusterMapJson(map));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
    this.#savedEpoch = map.epoch;
    const dir = await open(this.#dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
