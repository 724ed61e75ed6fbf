import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { Op__Output } from './generated/ringkv/v1/Op.js';
import type { OpResult } from './generated/ringkv/v1/OpResult.js';
import type { PipelineFrame__Output } from './generated/ringkv/v1/PipelineFrame.js';
import type { PipelineReply } from './generated/ringkv/v1/PipelineReply.js';
import { ErrorCode, asRingKvError } from './errors.js';
import { isMalformed, malformedError, streamError } from './guarded-service.js';
import { DEFAULT_IN_FLIGHT_LIMITS, InFlightLimiter } from './in-flight-limit.js';
import { opSize } from './op-validation.js';
import { fitReply } from './reply-budget.js';

/** Most operations one frame may carry. */
export const MAX_OPS_PER_FRAME = 10_000;

type ServerStream = ServerDuplexStream<PipelineFrame__Output, PipelineReply>;
/** `requestIds`: what the frame's request_ids field carries (see common.proto). */
export type FrameHandler = (ops: Op__Output[], epoch: bigint, requestIds: string[]) => Promise<{ results: OpResult[]; epoch?: bigint }>;

export interface PipelineStreamsOptions {
  /** The server's admission control, shared with its unary calls. @default a limiter with the default caps */
  limiter?: InFlightLimiter;
  /** Operations in flight on one stream; frames beyond it get RESOURCE_EXHAUSTED. @default 50_000 */
  maxStreamInFlightOps?: number;
}

interface StreamState {
  /** Frames and operations admitted and not answered yet. */
  frames: number;
  ops: number;
  /** The stream failed or was ended: replies are dropped. */
  closed: boolean;
}

/**
 * The server end of Pipeline streams: each frame is handled as it arrives (frames of one
 * stream start in order, so per-key order is kept by handlers that enqueue synchronously) and
 * answered when done. Frames beyond the stream's or the server's in-flight caps are answered
 * at once with RESOURCE_EXHAUSTED, without being applied. A stream ends after the peer
 * half-closes, or after drain(), once every frame it carries has been answered; frames that
 * arrive after drain() get TRY_AGAIN (not applied), so a graceful shutdown under load waits
 * only for work already admitted.
 */
export class PipelineStreams {
  readonly #open = new Map<ServerStream, StreamState>();
  readonly #limiter: InFlightLimiter;
  readonly #maxStreamOps: number;
  #draining = false;

  constructor(
    private readonly handle: FrameHandler,
    private readonly onError: (err: unknown) => void,
    options: PipelineStreamsOptions = {},
  ) {
    this.#limiter = options.limiter ?? new InFlightLimiter();
    this.#maxStreamOps = options.maxStreamInFlightOps ?? DEFAULT_IN_FLIGHT_LIMITS.maxStreamInFlightOps;
  }

  /** Streams open now. */
  get streams(): number {
    return this.#open.size;
  }

  /** Frames admitted and not answered yet, over every stream. */
  get framesInFlight(): number {
    let n = 0;
    for (const s of this.#open.values()) n += s.frames;
    return n;
  }

  /** `handle` replaces the constructor's handler for this stream (a router's per-caller access check). */
  serve(call: ServerStream, handle: FrameHandler = this.handle): void {
    const state: StreamState = { frames: 0, ops: 0, closed: false };
    let ended = false;
    this.#open.set(call, state);
    const forget = () => {
      state.closed = true;
      this.#open.delete(call);
    };
    const finish = () => {
      if ((ended || this.#draining) && state.frames === 0 && !state.closed) {
        forget();
        if (!call.cancelled && !call.destroyed) call.end();
      }
    };
    const send = (r: PipelineReply) => {
      if (!state.closed && !call.cancelled && !call.destroyed) call.write(r);
    };
    call.on('data', (frame: PipelineFrame__Output) => {
      if (state.closed) return;
      if (isMalformed(frame)) {
        // The stream's framing is lost (no frame id to answer): end it with the reason.
        forget();
        call.emit('error', streamError(malformedError(frame)));
        return;
      }
      const refuse = (code: ErrorCode, message: string) => send({ id: frame.id, errorCode: code, errorMessage: message });
      if (this.#draining) return refuse(ErrorCode.TRY_AGAIN, 'the server is shutting down; the frame was not applied');
      const n = frame.ops.length;
      if (n > MAX_OPS_PER_FRAME) return refuse(ErrorCode.INVALID_ARGUMENT, `frame of ${n} ops exceeds ${MAX_OPS_PER_FRAME}`);
      if (state.ops > 0 && state.ops + n > this.#maxStreamOps) {
        return refuse(ErrorCode.RESOURCE_EXHAUSTED,
          `${state.ops} operations in flight on this stream (maxStreamInFlightOps ${this.#maxStreamOps}); nothing was applied, retry after a backoff`);
      }
      const bytes = frame.ops.reduce((acc, op) => acc + opSize(op), 0);
      const shed = this.#limiter.tryAcquire(n, bytes);
      if (shed) return refuse(shed.code, shed.message);
      state.frames++;
      state.ops += n;
      const reply = (r: PipelineReply) => {
        this.#limiter.release(n, bytes);
        state.frames--;
        state.ops -= n;
        send(r);
        finish();
      };
      let work: Promise<{ results: OpResult[]; epoch?: bigint }>;
      try {
        work = handle(frame.ops, BigInt(frame.epoch || 0), frame.requestIds);
      } catch (err) {
        work = Promise.reject(err);
      }
      work.then(
        (r) => reply({ id: frame.id, results: fitReply(r.results), ...(r.epoch !== undefined ? { epoch: r.epoch.toString() } : {}) }),
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
    call.on('error', forget);
    call.on('cancelled', forget);
    if (this.#draining) finish();
  }

  /**
   * Refuses new frames (TRY_AGAIN) and ends every stream as soon as its frames in flight are
   * answered; new streams end at once.
   */
  drain(): void {
    this.#draining = true;
    for (const [call, state] of [...this.#open]) {
      if (state.frames === 0) {
        state.closed = true;
        this.#open.delete(call);
        if (!call.cancelled && !call.destroyed) call.end();
      }
    }
  }
}
