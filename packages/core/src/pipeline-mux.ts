import type { ClientDuplexStream, ServerDuplexStream } from '@grpc/grpc-js';
import type { Op } from './generated/ringkv/v1/Op.js';
import type { Op__Output } from './generated/ringkv/v1/Op.js';
import type { OpResult, OpResult__Output } from './generated/ringkv/v1/OpResult.js';
import type { PipelineFrame, PipelineFrame__Output } from './generated/ringkv/v1/PipelineFrame.js';
import type { PipelineReply, PipelineReply__Output } from './generated/ringkv/v1/PipelineReply.js';
import { ErrorCode, RingKvError, asRingKvError, isErrorCode } from './errors.js';
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

interface Pending {
  resolve: (r: { results: OpResult__Output[]; epoch: bigint }) => void;
  reject: (e: RingKvError) => void;
  timer: NodeJS.Timeout;
}

/**
 * The client end of a Pipeline stream: batches go out as id-tagged frames on one long-lived
 * bidirectional stream and replies are matched by id. The stream opens lazily and reopens
 * after a failure; a failure fails only the frames in flight on it. Each frame has its own
 * deadline.
 */
export class PipelineMux {
  readonly #open: () => Stream;
  readonly #label: string;
  readonly #pending = new Map<number, Pending>();
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
      const timer = setTimeout(() => {
        if (this.#pending.delete(id)) {
          reject(new RingKvError(ErrorCode.DEADLINE_EXCEEDED, `${this.#label}: no reply before the deadline`));
        }
      }, Math.max(0, deadline - Date.now()));
      this.#pending.set(id, { resolve, reject, timer });
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
      clearTimeout(p.timer);
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
      clearTimeout(p.timer);
      p.reject(reason);
    }
  }

  /** Fails frames in flight with CLOSED and ends the stream. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll(new RingKvError(ErrorCode.CLOSED, `${this.#label}: closed`));
    const s = this.#stream;
    this.#stream = undefined;
    s?.cancel();
  }
}

/** Most operations one frame may carry. */
export const MAX_OPS_PER_FRAME = 10_000;

type ServerStream = ServerDuplexStream<PipelineFrame__Output, PipelineReply>;
/** `requestIds`: what the frame's request_ids field carries (see common.proto). */
export type FrameHandler = (ops: Op__Output[], epoch: bigint, requestIds: string[]) => Promise<{ results: OpResult[]; epoch?: bigint }>;

/**
 * The server end of Pipeline streams: each frame is handled as it arrives (frames of one
 * stream start in order, so per-key order is kept by handlers that enqueue synchronously) and
 * answered when done. A stream ends after the peer half-closes, or after drain(), once every
 * frame it carries has been answered; so a graceful shutdown does not wait for idle streams.
 */
export class PipelineStreams {
  readonly #open = new Map<ServerStream, { frames: number }>();
  #draining = false;
  #frames = 0;

  constructor(
    private readonly handle: FrameHandler,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Streams open now. */
  get streams(): number {
    return this.#open.size;
  }

  /** Frames received and not answered yet, over all streams. */
  get framesInFlight(): number {
    return this.#frames;
  }

  /** `handle` replaces the constructor's handler for this stream (a router's per-caller access check). */
  serve(call: ServerStream, handle: FrameHandler = this.handle): void {
    const state = { frames: 0 };
    let ended = false;
    this.#open.set(call, state);
    const finish = () => {
      if ((ended || this.#draining) && state.frames === 0) {
        this.#open.delete(call);
        if (!call.cancelled && !call.destroyed) call.end();
      }
    };
    call.on('data', (frame: PipelineFrame__Output) => {
      const reply = (r: PipelineReply) => {
        state.frames--;
        this.#frames--;
        if (!call.cancelled && !call.destroyed) call.write(r);
        finish();
      };
      state.frames++;
      this.#frames++;
      if (frame.ops.length > MAX_OPS_PER_FRAME) {
        reply({ id: frame.id, errorCode: ErrorCode.INVALID_ARGUMENT, errorMessage: `frame of ${frame.ops.length} ops exceeds ${MAX_OPS_PER_FRAME}` });
        return;
      }
      let work: Promise<{ results: OpResult[]; epoch?: bigint }>;
      try {
        work = handle(frame.ops, BigInt(frame.epoch || 0), frame.requestIds);
      } catch (err) {
        work = Promise.reject(err);
      }
      work.then(
        (r) => reply({ id: frame.id, results: r.results, ...(r.epoch !== undefined ? { epoch: r.epoch.toString() } : {}) }),
        (err) => {
          const e = asRingKvError(err);
          if (e.code === ErrorCode.INTERNAL) this.onError(err);
          reply({ id: frame.id, errorCode: e.code, errorMessage: e.message });
        },
      );
    });
    call.on('end', () => {
      ended = true;
      finish();
    });
    call.on('error', () => this.#open.delete(call));
    call.on('cancelled', () => this.#open.delete(call));
    if (this.#draining) finish();
  }

  /** Ends every stream as soon as its frames in flight are answered; new streams end at once. */
  drain(): void {
    this.#draining = true;
    for (const [call, state] of [...this.#open]) {
      if (state.frames === 0) {
        this.#open.delete(call);
        if (!call.cancelled && !call.destroyed) call.end();
      }
    }
  }
}
