import {
  ErrorCode, RingKvError, asRingKvError, isBlockingOp, keyHash, keyOfOp, opKindOf, validateOp,
  type OpMetrics, type Op__Output, type OpResult, type OpResult__Output, type SizeLimits,
} from '@ringkv/core';
import type { Topology } from './topology.js';

export interface ForwarderOptions {
  limits: SizeLimits;
  /** WRONG_OWNER retries before giving up. @default 8 */
  maxRedirections: number;
  /** How long TRY_AGAIN (an arc hand-off) is retried before it reaches the client. @default 3000 */
  tryAgainBudgetMs?: number;
  /** Counts each operation and its latency, as forwarded (retries included), by op and outcome. */
  metrics?: OpMetrics;
}

const EMPTY: OpResult = { errorCode: '', errorMessage: '', found: false, version: '0', expiresAtMs: '0', epoch: '0' };

export function errorResult(err: RingKvError): OpResult {
  return { ...EMPTY, errorCode: err.code, errorMessage: err.message };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends each operation to the owner of its key (through that shard's batcher, so a client
 * batch is split per owner and merged back in order). WRONG_OWNER refreshes the map and
 * retries; TRY_AGAIN backs off and retries; every other outcome is the op's result.
 */
export class Forwarder {
  readonly #topology: Topology;
  readonly #opts: ForwarderOptions;

  constructor(topology: Topology, options: ForwarderOptions) {
    this.#topology = topology;
    this.#opts = options;
  }

  /** `requestId` names the client request in the shards' logs. */
  execute(ops: Op__Output[], requestId?: string): Promise<OpResult[]> {
    return Promise.all(ops.map((op) => this.executeOne(op, requestId)));
  }

  executeOne(op: Op__Output, requestId?: string): Promise<OpResult> {
    const metrics = this.#opts.metrics;
    if (!metrics) return this.#forward(op, requestId);
    const started = performance.now();
    return this.#forward(op, requestId).then((result) => {
      metrics.record(opKindOf(op), result.errorCode, (performance.now() - started) / 1000);
      return result;
    });
  }

  async #forward(op: Op__Output, requestId: string | undefined): Promise<OpResult> {
    const invalid = validateOp(op, this.#opts.limits);
    if (invalid) return errorResult(invalid);
    const hash = keyHash(keyOfOp(op)!);
    // A blocking pop waits on the shard: it travels alone, not in a batch frame it would hold up.
    const blocking = isBlockingOp(op);
    const giveUpAt = Date.now() + (this.#opts.tryAgainBudgetMs ?? 3_000);
    let redirects = 0;
    for (let attempt = 0; ; attempt++) {
      let shardId = '?';
      let result: OpResult__Output;
      try {
        const shard = this.#topology.ownerOf(hash);
        shardId = shard.id;
        result = blocking ? await shard.executeAlone(op, Number(op.queue!.waitMs), requestId) : await shard.submit(op, requestId);
      } catch (err) {
        return errorResult(asRingKvError(err));
      }
      const code = result.errorCode;
      if (code === ErrorCode.WRONG_OWNER && redirects++ < this.#opts.maxRedirections) {
        await this.#topology.reconcile(shardId, BigInt(result.epoch));
        if (redirects > 1) await sleep(Math.min(100, 2 ** redirects));
      } else if (code === ErrorCode.TRY_AGAIN && Date.now() < giveUpAt) {
        // A node behind our epoch may have missed the commit that ends its hand-off.
        if (BigInt(result.epoch) < this.#topology.epoch) await this.#topology.reconcile(shardId, BigInt(result.epoch));
        await sleep(Math.min(50, 1 + 2 ** Math.min(attempt, 6)));
      } else {
        return result;
      }
    }
  }
}
