import {
  ErrorCode, RingKvError, asRingKvError, isBlockingOp, keyHash, keyOfOp, opKindOf, validateOp,
  type OpMetrics, type Op__Output, type OpResult, type OpResult__Output, type SizeLimits,
} from '@ringkv/core';
import { ReplicaPicker } from './replica-picker.js';
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
  readonly #picker: ReplicaPicker;

  /** `random` (tests) drives the random replica selection and least-outstanding tie breaks. */
  constructor(topology: Topology, options: ForwarderOptions, random?: () => number) {
    this.#topology = topology;
    this.#opts = options;
    this.#picker = new ReplicaPicker((id) => topology.shard(id).outstanding, random);
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
    const replicaRead = op.op === 'get' && op.get!.readFrom === 'replica';
    const giveUpAt = Date.now() + (this.#opts.tryAgainBudgetMs ?? 3_000);
    let redirects = 0;
    for (let attempt = 0; ; attempt++) {
      let shardId = '?';
      let result: OpResult__Output;
      try {
        if (replicaRead) {
          const read = await this.#readReplica(op, hash, requestId);
          shardId = read.shardId;
          result = read.result;
        } else {
          const shard = this.#topology.ownerOf(hash);
          shardId = shard.id;
          result = blocking ? await shard.executeAlone(op, Number(op.queue!.waitMs), requestId) : await shard.submit(op, requestId);
        }
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

  /**
   * A get with readFrom "replica": to one of the in-sync replicas of `hash`, picked by the op's
   * replicaSelection. When that replica cannot be reached (the call fails, or it answers
   * UNAVAILABLE), the read is sent once more, to another in-sync replica: reads are safe to repeat.
   */
  async #readReplica(op: Op__Output, hash: number, requestId: string | undefined): Promise<{ shardId: string; result: OpResult__Output }> {
    const replicas = this.#topology.ownership.inSyncOf(hash);
    // No in-sync replica (a map that should not exist): the primary path reports what is wrong.
    if (replicas.length === 0) {
      const shard = this.#topology.ownerOf(hash);
      return { shardId: shard.id, result: await shard.submit(op, requestId) };
    }
    const selection = op.get!.replicaSelection;
    const first = this.#picker.pick(replicas, selection);
    let firstResult: OpResult__Output | undefined;
    let firstError: unknown;
    try {
      firstResult = await this.#topology.shard(first).submit(op, requestId);
      if (firstResult.errorCode !== ErrorCode.UNAVAILABLE) return { shardId: first, result: firstResult };
    } catch (err) {
      firstError = err;
    }
    // The map may have moved on while the first attempt ran: pick from the current in-sync set.
    const now = this.#topology.ownership.inSyncOf(hash);
    const second = now.length > 0 ? this.#picker.pick(now, selection, first) : first;
    if (second === first) {
      if (firstResult) return { shardId: first, result: firstResult };
      throw firstError;
    }
    return { shardId: second, result: await this.#topology.shard(second).submit(op, requestId) };
  }
}
