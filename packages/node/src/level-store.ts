import { Level } from 'level';

export type BatchOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

export interface RangeOptions {
  gt?: Buffer;
  gte?: Buffer;
  lt?: Buffer;
  lte?: Buffer;
  limit?: number;
}

/**
 * The I/O half of the storage engine: one LevelDB (classic-level through `level`) with binary
 * keys and values. It validates nothing and knows nothing of records, rings or epochs.
 */
export class LevelStore {
  readonly #db: Level<Buffer, Buffer>;

  constructor(location: string) {
    this.#db = new Level<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  }

  open(): Promise<void> {
    return this.#db.open();
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    return (await this.#db.get(key)) ?? undefined;
  }

  async getMany(keys: Buffer[]): Promise<Array<Buffer | undefined>> {
    if (keys.length === 0) return [];
    const values = await this.#db.getMany(keys);
    return values.map((v) => v ?? undefined);
  }

  batch(ops: BatchOp[], sync: boolean): Promise<void> {
    return this.#db.batch(ops, { sync });
  }

  /** Yields [key, value] pairs in key order, in chunks, from a consistent snapshot. */
  async *entries(range: RangeOptions, chunk = 1000): AsyncGenerator<[Buffer, Buffer]> {
    const it = this.#db.iterator({ ...range });
    try {
      for (;;) {
        const batch = await it.nextv(chunk);
        if (batch.length === 0) return;
        for (const e of batch) yield e as [Buffer, Buffer];
      }
    } finally {
      await it.close();
    }
  }
}
