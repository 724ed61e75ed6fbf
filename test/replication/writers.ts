import { expect } from 'vitest';
import type { RingKvClient } from '@ringkv/client';

/** How the replication tests start their router: replication factor 3, coordinating, quick detection. */
export const FAILURE_TIMEOUT_MS = 2_000;
export const replicationRouterArgs = [
  '--replication-factor', '3', '--failure-timeout-ms', String(FAILURE_TIMEOUT_MS), '--heartbeat-interval-ms', '250',
];

interface KeyLog {
  /** The sequence number of the last acknowledged write. */
  acked: number;
  /** The sequence number of the last write attempted (acknowledged or not). */
  attempted: number;
}

/**
 * Several writers, each owning its keys and writing `w<writer>:<seq>` values to them in turn,
 * one write at a time: what each key must hold afterwards is known exactly (its last
 * acknowledged value, or a later attempted one whose outcome the writer did not learn).
 */
export class Writers {
  readonly keys: string[];
  readonly #client: RingKvClient;
  readonly #writers: number;
  readonly #log = new Map<string, KeyLog>();
  /** Acknowledgements: [time, key]. */
  readonly #acks: Array<[number, string]> = [];
  acked = 0;
  failed = 0;

  constructor(client: RingKvClient, prefix: string, options: { writers: number; keysPerWriter: number }) {
    this.#client = client;
    this.#writers = options.writers;
    this.keys = Array.from({ length: options.writers * options.keysPerWriter }, (_, i) => `${prefix}k${i}`);
    for (const k of this.keys) this.#log.set(k, { acked: -1, attempted: -1 });
  }

  /** Writes for `ms` (each writer round-robins over its keys), then stops. */
  async run(ms: number, maxWritesPerWriter = 200_000): Promise<void> {
    const until = Date.now() + ms;
    await Promise.all(Array.from({ length: this.#writers }, async (_, w) => {
      const mine = this.keys.filter((_k, i) => i % this.#writers === w);
      for (let seq = 0; seq < maxWritesPerWriter && Date.now() < until; seq++) {
        const key = mine[seq % mine.length]!;
        const log = this.#log.get(key)!;
        log.attempted = seq;
        try {
          await this.#client.put(key, `w${w}:${seq}`, { timeoutMs: 2_000 });
          log.acked = seq;
          this.acked++;
          this.#acks.push([Date.now(), key]);
        } catch {
          this.failed++;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }));
  }

  /** The first acknowledgement after `t` of a write to one of `keys`. */
  firstAckAfter(t: number, keys: readonly string[]): number | undefined {
    const set = new Set(keys);
    return this.#acks.find(([at, k]) => at > t && set.has(k))?.[0];
  }

  /** Every key holds its last acknowledged value or a later attempted one. */
  async verify(reader: RingKvClient): Promise<void> {
    const lost: string[] = [];
    for (let i = 0; i < this.keys.length; i += 100) {
      const batch = this.keys.slice(i, i + 100);
      const got = await reader.batchGet(batch, { timeoutMs: 5_000 });
      batch.forEach((key, j) => {
        const log = this.#log.get(key)!;
        if (log.acked < 0) return;
        const value = got[j]?.toString();
        const seq = value ? Number(value.split(':')[1]) : -1;
        if (!(seq >= log.acked && seq <= log.attempted)) lost.push(`${key}: holds ${value ?? 'nothing'}, last acked seq ${log.acked}`);
      });
    }
    expect(lost, 'acknowledged writes lost').toEqual([]);
  }
}
