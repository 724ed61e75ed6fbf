import {
  ErrorCode, RingKvError, asRingKvError, hash32, keyOfOp, validateOp,
  type Op__Output, type OpResult, type OpResult__Output, type SizeLimits,
} from '@ringkv/core';
import type { Topology } from './topology.js';

export interface ForwarderOptions {
  limits: SizeLimits;
  /** WRONG_OWNER / TRY_AGAIN retries before giving up. @default 8 */
  maxRedirections: number;
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

  execute(ops: Op__Output[]): Promise<OpResult[]> {
    return Promise.all(ops.map((op) => this.executeOne(op)));
  }

  async executeOne(op: Op__Output): Promise<OpResult> {
    const invalid = validateOp(op, this.#opts.limits);
    if (invalid) return errorResult(invalid);
    const hash = hash32(keyOfOp(op)!);
    for (let attempt = 0; ; attempt++) {
      let shardId = '?';
      let result: OpResult__Output;
      try {
        const shard = this.#topology.ownerOf(hash);
        shardId = shard.id;
        result = await shard.submit(op);
      } catch (err) {
        return errorResult(asRingKvError(err));
      }
      const code = result.errorCode;
      if ((code !== ErrorCode.WRONG_OWNER && code !== ErrorCode.TRY_AGAIN) || attempt >= this.#opts.maxRedirections) {
        return result;
      }
      if (code === ErrorCode.WRONG_OWNER) await this.#topology.reconcile(shardId, BigInt(result.epoch));
      if (attempt > 0 || code === ErrorCode.TRY_AGAIN) await sleep(Math.min(200, 5 * 2 ** attempt));
    }
  }
}
