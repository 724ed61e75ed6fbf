import type { ClientDuplexStream } from '@grpc/grpc-js';
import type { Op } from './generated/ringkv/v1/Op.js';
import type { OpResult__Output } from './generated/ringkv/v1/OpResult.js';
import type { PipelineFrame } from './generated/ringkv/v1/PipelineFrame.js';
import type { PipelineReply__Output } from './generated/ringkv/v1/PipelineReply.js';
import { DeadlineList, type DeadlineEntry } from './deadline-list.js';
import { ErrorCode, RingKvError, isErrorCode } from './errors.js';
import { fromGrpcError } from './grpc-status.js';

type Stream = ClientDuplexStream<PipelineFrame, PipelineReply__Output>;

/** Frames failed because their stream broke (not because the peer answered with an error). */
const streamFailures = new WeakSet<RingKvError>();

/**
 * True when `err` failed a frame because its stream broke or was ended by the peer (connection
 * refused or lost, peer shutting down): the peer may or may not have received the frame.
 * False for the peer's own answers (a frame-level error code) and for deadlines and close.
 */
export function isStreamFailure(err: unknown): boolean {
  return err instanceof RingKvError && streamFailures.has(err);
}

/** A frame awaiting its reply; its deadline is watched by the mux's one DeadlineList. */
class Pending implements DeadlineEntry {
  prevByDeadline: DeadlineEntry | undefined = undefined;
  nextByDeadline: DeadlineEntry | undefined = undefined;
  constructor(
    readonly id: number,
    readonly deadline: number,
    readonly resolve: (r: { results: OpResult__Output[]; epoch: bigint }) => void,
    readonly reject: (e: RingKvError) => void,
  ) {}
}

/**
 * The client end of a Pipeline stream: batches go out as id-tagged frames on one long-lived
 * bidirectional stream and replies are matched by id. The stream opens lazily and reopens
 * after a failure; a failure fails only the frames in flight on it. Each frame has its own
 * deadline, and one timer per mux (a DeadlineList) expires them: no timer per frame.
 */
export class PipelineMux {
  readonly #open: () => Stream;
  readonly #label: string;
  readonly #pending = new Map<number, Pending>();
  readonly #deadlines = new DeadlineList<Pending>((p) => {
    if (this.#pending.delete(p.id)) {
      p.reject(new RingKvError(ErrorCode.DEADLINE_EXCEEDED, `${this.#label}: no reply before the deadline`));
    }
  });
  #stream: Stream | undefined;
  #nextId = 1;
  #closed = false;

  /** `open` starts a new Pipeline call; `label` names the peer in errors. */
  constructor(open: () => Stream, label: string) {
    this.#open = open;
    this.#label = label;
  }

  /** Frames awaiting their reply. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** One frame; `requestIds` name the requests its ops belong to, for the peer's logs. */
  send(ops: Op[], deadline: number, epoch?: bigint, requestIds?: string[]): Promise<{ results: OpResult__Output[]; epoch: bigint }> {
    if (this.#closed) return Promise.reject(new RingKvError(ErrorCode.CLOSED, `${this.#label}: closed`));
    const stream = this.#ensure();
    const id = this.#nextId;
    this.#nextId = this.#nextId >= 0x7fffffff ? 1 : this.#nextId + 1;
    return new Promise((resolve, reject) => {
      const p = new Pending(id, deadline, resolve, reject);
      this.#pending.set(id, p);
      this.#deadlines.add(p);
      stream.write({
        id, ops, ...(epoch !== undefined ? { epoch: epoch.toString() } : {}), ...(requestIds?.length ? { requestIds } : {}),
      });
    });
  }

  #ensure(): Stream {
    if (this.#stream) return this.#stream;
    const stream = this.#open();
    this.#stream = stream;
    stream.on('data', (reply: PipelineReply__Output) => {
      const p = this.#pending.get(reply.id);
      if (!p) return; // timed out already
      this.#pending.delete(reply.id);
      this.#deadlines.delete(p);
      if (reply.errorCode) {
        const code = isErrorCode(reply.errorCode) ? reply.errorCode : ErrorCode.INTERNAL;
        p.reject(new RingKvError(code, `${this.#label}: ${reply.errorMessage}`));
      } else {
        p.resolve({ results: reply.results, epoch: BigInt(reply.epoch) });
      }
    });
    const fail = (err: unknown) => {
      if (this.#stream !== stream) return;
      this.#stream = undefined;
      const e = fromGrpcError(err);
      const reason = new RingKvError(e.code === ErrorCode.CANCELLED && !this.#closed ? ErrorCode.UNAVAILABLE : e.code,
        `${this.#label}: ${e.message}`, { cause: err });
      streamFailures.add(reason);
      this.#failAll(reason);
    };
    stream.on('error', fail);
    stream.on('end', () => {
      // The peer ended the stream (a graceful shutdown): close our half too; the next frame opens a new one.
      stream.end();
      fail(new RingKvError(ErrorCode.UNAVAILABLE, 'stream ended by the peer'));
    });
    return stream;
  }

  #failAll(reason: RingKvError): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      this.#deadlines.delete(p);
      p.reject(reason);
    }
  }

  /** Fails frames in flight with `reason` (default CLOSED) and ends the stream. Idempotent. */
  close(reason?: RingKvError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll(reason ?? new RingKvError(ErrorCode.CLOSED, `${this.#label}: closed`));
    this.#deadlines.stop();
    const s = this.#stream;
    this.#stream = undefined;
    s?.cancel();
  }
}
