import { ErrorCode, RingKvError, type RingKvClient } from '@ringkv/client';
import { HistoryRecorder, type RegisterOp } from './checker.js';

export interface RegisterLoopOptions {
  /** Client number in the history. */
  c: number;
  client: RingKvClient;
  keys: readonly string[];
  history: HistoryRecorder;
  /** Asked before each operation: true ends the loop. */
  stop(): boolean;
  /** Called as each operation starts (to cap the total). */
  started(): void;
  /** Error codes after which a write was certainly not applied (recorded as failed, not unknown). */
  notApplied: ReadonlySet<string>;
  /** Counts a failed operation by `kind:CODE`, with its message. */
  onError(what: string, message: string): void;
  /** Pause after a failed operation. @default 0 */
  backoffMs?: number;
  /** Seed multiplier for the client's random choices. */
  seed: number;
}

/**
 * One client of a linearizability history: random get (40%), put (30%), put-if-version CAS
 * (25%, against the last version this client saw) and delete (5%) on `keys`, each recorded
 * with its outcome; a failed write whose effect is unknown is recorded as such.
 */
export async function registerLoop(o: RegisterLoopOptions): Promise<void> {
  let seed = o.seed * (o.c + 1);
  const rnd = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const lastVersion = new Map<string, bigint>();
  let seq = 0;
  while (!o.stop()) {
    o.started();
    const key = o.keys[Math.floor(rnd() * o.keys.length)]!;
    const p = rnd();
    const value = `c${o.c}-${seq++}`;
    const op: RegisterOp =
      p < 0.4 ? { kind: 'read' }
      : p < 0.7 ? { kind: 'write', value }
      : p < 0.95 ? { kind: 'cas', expectedVersion: lastVersion.get(key) ?? 1n, value }
      : { kind: 'delete' };
    const id = o.history.invoke(o.c, key, op);
    try {
      switch (op.kind) {
        case 'read': {
          const e = await o.client.getEntry(key);
          o.history.ok(id, { kind: 'read', value: e?.value.toString('utf8'), ...(e ? { version: e.version } : {}) });
          if (e) lastVersion.set(key, e.version);
          break;
        }
        case 'write': {
          const version = await o.client.put(key, op.value);
          o.history.ok(id, { kind: 'written', version });
          lastVersion.set(key, version);
          break;
        }
        case 'cas': {
          const version = await o.client.put(key, op.value, { ifVersion: op.expectedVersion });
          o.history.ok(id, { kind: 'written', version });
          lastVersion.set(key, version);
          break;
        }
        case 'delete': {
          const existed = await o.client.delete(key);
          o.history.ok(id, { kind: 'deleted', existed });
          lastVersion.delete(key);
          break;
        }
      }
    } catch (err) {
      const code = err instanceof RingKvError ? err.code : 'NON_RINGKV_ERROR';
      if (op.kind === 'cas' && code === ErrorCode.CONFLICT) {
        o.history.ok(id, { kind: 'conflict' });
        continue;
      }
      const msg = `${code}: ${(err as Error).message}`;
      o.onError(`${op.kind}:${code}`, msg);
      if (op.kind === 'read' || o.notApplied.has(code)) o.history.fail(id, msg);
      else o.history.info(id, msg);
      if (o.backoffMs) await new Promise((r) => setTimeout(r, o.backoffMs));
    }
  }
}

/** Error codes after which a write was certainly not applied. */
export const NOT_APPLIED: ReadonlySet<string> = new Set<string>([
  ErrorCode.TRY_AGAIN, ErrorCode.INVALID_ARGUMENT, ErrorCode.KEY_TOO_LARGE, ErrorCode.VALUE_TOO_LARGE,
]);

/**
 * Several register clients (registerLoop) writing one history until stop(), or until `maxOps`
 * operations have started or `maxRunMs` has passed (every run is bounded).
 */
export class RegisterRun {
  readonly history = new HistoryRecorder();
  /** Failed operations by `kind:CODE`, and the first message of each. */
  readonly errors = new Map<string, number>();
  readonly errorSamples = new Map<string, string>();
  readonly #loops: Promise<void>[];
  #stopped = false;

  constructor(o: {
    clients: readonly RingKvClient[]; keys: readonly string[]; seed: number; maxOps: number; maxRunMs: number; backoffMs?: number;
  }) {
    let started = 0;
    const t0 = performance.now();
    const stop = () => this.#stopped || started >= o.maxOps || performance.now() - t0 > o.maxRunMs;
    this.#loops = o.clients.map((client, i) => registerLoop({
      c: i + 1, client, keys: o.keys, history: this.history, stop, started: () => started++, notApplied: NOT_APPLIED,
      seed: o.seed, ...(o.backoffMs !== undefined ? { backoffMs: o.backoffMs } : {}),
      onError: (what, message) => {
        this.errors.set(what, (this.errors.get(what) ?? 0) + 1);
        if (!this.errorSamples.has(what)) this.errorSamples.set(what, message);
      },
    }));
  }

  /** Ends the loops and waits for the operations in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#loops);
  }

  /** `kind:CODE=n, ...`, or `none`. */
  errorSummary(): string {
    return this.errors.size ? [...this.errors].map(([k, n]) => `${k}=${n}`).join(', ') : 'none';
  }
}
