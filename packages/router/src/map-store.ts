import { decodeClusterMapJson, encodeClusterMapJson, type ClusterMap } from '@ringkv/core';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The router's durable copy of the cluster map: write to a temporary file, fsync, rename
 * over the old one, fsync the directory. A crash leaves either the old or the new map.
 */
export class MapStore {
  readonly path: string;
  readonly #dir: string;

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
    return decodeClusterMapJson(text);
  }

  async save(map: ClusterMap): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const tmp = `${this.path}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(encodeClusterMapJson(map));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
    const dir = await open(this.#dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
