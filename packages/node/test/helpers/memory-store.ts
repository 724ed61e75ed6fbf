import type { BatchOp, RangeOptions } from '../../src/level-store.js';

/**
 * An in-memory stand-in for LevelStore (the operations the modules under test use), so a unit
 * test can drive a module without a LevelDB and look at exactly what it wrote.
 */
export class MemoryStore {
  readonly data = new Map<string, Buffer>();
  /** Every batch written, in order, with its sync flag. */
  readonly batches: Array<{ ops: BatchOp[]; sync: boolean }> = [];

  async get(key: Buffer): Promise<Buffer | undefined> {
    return this.data.get(key.toString('hex'));
  }

  async getMany(keys: Buffer[]): Promise<Array<Buffer | undefined>> {
    return keys.map((k) => this.data.get(k.toString('hex')));
  }

  put(key: Buffer, value: Buffer): void {
    this.data.set(key.toString('hex'), value);
  }

  async batch(ops: BatchOp[], sync: boolean): Promise<void> {
    this.batches.push({ ops, sync });
    for (const op of ops) {
      if (op.type === 'put') this.data.set(op.key.toString('hex'), op.value);
      else this.data.delete(op.key.toString('hex'));
    }
  }

  async *entries(range: RangeOptions, _chunk = 1000): AsyncGenerator<[Buffer, Buffer]> {
    const keys = [...this.data.keys()].map((k) => Buffer.from(k, 'hex')).sort(Buffer.compare);
    let n = 0;
    for (const k of keys) {
      if (range.gt && Buffer.compare(k, range.gt) <= 0) continue;
      if (range.gte && Buffer.compare(k, range.gte) < 0) continue;
      if (range.lt && Buffer.compare(k, range.lt) >= 0) continue;
      if (range.lte && Buffer.compare(k, range.lte) > 0) continue;
      if (range.limit !== undefined && n++ >= range.limit) return;
      const v = this.data.get(k.toString('hex'));
      if (v) yield [k, v];
    }
  }
}
