/**
 * Group commit: writes queue up while one LevelDB batch is being written; the next drain
 * takes everything queued. Versions are assigned in apply order, so a key's versions
 * increase in the order its writes become visible, and conditional writes read and write
 * without another write to the same key in between.
 */
export class WriteQueue<T> {
  readonly #apply: (items: T[]) => Promise<void>;
  readonly #maxBatch: number;
  #pending: T[] = [];
  #draining: Promise<void> | undefined;

  constructor(apply: (items: T[]) => Promise<void>, maxBatch = 4096) {
    this.#apply = apply;
    this.#maxBatch = maxBatch;
  }

  get depth(): number {
    return this.#pending.length;
  }

  push(item: T): void {
    this.#pending.push(item);
    this.#draining ??= this.#drain();
  }

  /** Resolves once everything queued so far has been applied. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    // Let the rest of this tick's writes join the first batch.
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.length <= this.#maxBatch ? this.#pending : this.#pending.slice(0, this.#maxBatch);
        this.#pending = batch === this.#pending ? [] : this.#pending.slice(this.#maxBatch);
        await this.#apply(batch);
      }
    } finally {
      this.#draining = undefined;
    }
  }
}
