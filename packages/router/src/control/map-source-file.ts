import { ErrorCode, RingKvError, decodeClusterMapJson, encodeClusterMapJson, type ClusterMap } from '@ringkv/core';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { MapSnapshot, MapSource, MapWatch } from './map-source.js';

export interface FileMapSourceOptions {
  /**
   * Where a router that does not coordinate learns the maps other routers commit: the maps the
   * shards hold. Asked every `followIntervalMs` by watch(). @default none (watch() delivers nothing)
   */
  peek?: () => Promise<ClusterMap | undefined>;
  /** @default 1000 */
  followIntervalMs?: number;
}

/**
 * The cluster map of a lone router, in its data dir: write to a temporary file, fsync, rename
 * over the old one, fsync the directory, so a crash leaves either the old or the new map. The
 * revision is the epoch. Only this process writes the file.
 */
export class FileMapSource implements MapSource {
  readonly kind = 'file' as const;
  readonly path: string;
  readonly #dir: string;
  readonly #peek: FileMapSourceOptions['peek'];
  readonly #followIntervalMs: number;
  #current: ClusterMap | undefined;
  #loaded = false;
  #writes: Promise<unknown> = Promise.resolve();
  #seq = 0;

  constructor(dataDir: string, options: FileMapSourceOptions = {}) {
    this.#dir = dataDir;
    this.path = join(dataDir, 'cluster-map.json');
    this.#peek = options.peek;
    this.#followIntervalMs = options.followIntervalMs ?? 1_000;
  }

  async load(): Promise<MapSnapshot | undefined> {
    if (!this.#loaded) {
      this.#current = await this.#read();
      this.#loaded = true;
    }
    return this.#current && { map: this.#current, revision: this.#current.epoch };
  }

  async #read(): Promise<ClusterMap | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return decodeClusterMapJson(text);
    } catch (err) {
      throw new RingKvError(ErrorCode.INTERNAL, `cannot read the cluster map ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  async create(map: ClusterMap): Promise<MapSnapshot> {
    const existing = await this.load();
    if (existing) return existing;
    await this.commit(map, 0n);
    return { map, revision: map.epoch };
  }

  commit(map: ClusterMap, expected: bigint): Promise<bigint> {
    return this.#serialize(async () => {
      await this.load();
      const have = this.#current?.epoch ?? 0n;
      if (have !== expected) {
        throw new RingKvError(ErrorCode.MAP_CHANGED, `the cluster map is at epoch ${have}, not ${expected}: plan again on the current map`);
      }
      await this.#write(map);
      return map.epoch;
    });
  }

  /**
   * Keeps a newer map committed elsewhere (another router's, found on the shards) as this
   * router's copy, so that it restarts from it. Older or equal maps are ignored.
   */
  remember(map: ClusterMap): Promise<void> {
    return this.#serialize(async () => {
      await this.load();
      if (this.#current && map.epoch <= this.#current.epoch) return;
      await this.#write(map);
    });
  }

  watch(fromRevision: bigint, onMap: (snapshot: MapSnapshot) => void): MapWatch {
    const peek = this.#peek;
    if (!peek) return { close: () => undefined };
    let last = fromRevision;
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      peek().then(async (map) => {
        if (!map || map.epoch <= last) return;
        await this.remember(map).catch(() => undefined);
        last = map.epoch;
        onMap({ map, revision: map.epoch });
      }).catch(() => undefined).finally(() => {
        running = false;
      });
    }, this.#followIntervalMs);
    timer.unref();
    return { close: () => clearInterval(timer) };
  }

  async close(): Promise<void> {
    await this.#writes;
  }

  #serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(fn);
    this.#writes = run.catch(() => undefined);
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
    this.#current = map;
    const dir = await open(this.#dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
