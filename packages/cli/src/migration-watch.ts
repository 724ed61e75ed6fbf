import cliProgress from 'cli-progress';
import { ErrorCode, RingKvError, asRingKvError } from '@ringkv/core';
import type { RingKvClient } from '@ringkv/client';
import { MigrationProgress, type ProgressView } from './migration-progress.js';
import { eta, humanDuration, percent, progressLine } from './format-migration.js';
import { humanBytes, moveLabel } from './format.js';

export interface WatchOptions {
  /** Done only once the router's epoch has reached this one (the epoch that committed the plan). */
  sinceEpoch: bigint;
  /** Give up (DEADLINE_EXCEEDED) when the migration has not finished after this long. */
  timeoutMs: number;
  /** Between two status polls. */
  intervalMs: number;
  /** Deadline of each status call. */
  statusTimeoutMs: number;
  /** Where progress goes: bars on a terminal, a line every few seconds otherwise. */
  stream: NodeJS.WritableStream;
  /** The name of the timeout option, for the error message. */
  timeoutFlag: string;
}

export interface WatchResult {
  epoch: bigint;
  ms: number;
  /** The last progress seen before the migration finished (undefined if none was running). */
  last: ProgressView | undefined;
}

/** What shows progress: cli-progress bars on a terminal, plain lines elsewhere. */
export interface ProgressRenderer {
  update(view: ProgressView): void;
  /** A message that is not progress (a failed poll), shown once. */
  note(text: string): void;
  stop(): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls the router's status until no migration is left (at `sinceEpoch` or later), drawing
 * progress. A router that cannot be reached (it may be restarting) is polled again until the
 * timeout: the migration resumes when the router is back.
 */
export async function watchMigration(client: RingKvClient, options: WatchOptions, renderer = progressRenderer(options.stream)): Promise<WatchResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const tracker = new MigrationProgress();
  let last: ProgressView | undefined;
  let lastProblem = '';
  try {
    for (;;) {
      try {
        const status = await client.admin.status({ timeoutMs: options.statusTimeoutMs, counts: false });
        if (lastProblem) renderer.note('router reachable again');
        lastProblem = '';
        if (status.epoch >= options.sinceEpoch && status.migrations.length === 0) {
          return { epoch: status.epoch, ms: Date.now() - started, last };
        }
        last = tracker.update(status);
        renderer.update(last);
      } catch (err) {
        const e = asRingKvError(err);
        const problem = `status failed (${e.code}: ${e.message}); retrying`;
        if (problem !== lastProblem) renderer.note(problem);
        lastProblem = problem;
      }
      if (Date.now() >= deadline) {
        const why = last?.error ? `; last error: ${last.error}` : lastProblem ? `; ${lastProblem}` : '';
        throw new RingKvError(
          ErrorCode.DEADLINE_EXCEEDED,
          `the migration did not finish within ${humanDuration(options.timeoutMs)} (${options.timeoutFlag})${why}; ` +
            'it goes on in the background: ringkv migrations --watch',
        );
      }
      await sleep(Math.min(options.intervalMs, Math.max(0, deadline - Date.now())));
    }
  } finally {
    renderer.stop();
  }
}

export function progressRenderer(stream: NodeJS.WritableStream): ProgressRenderer {
  return (stream as NodeJS.WriteStream).isTTY ? new BarRenderer(stream) : new LineRenderer(stream);
}

/** Non-terminal output (logs, pipes, tests): one progress line every few seconds and at state changes. */
export class LineRenderer implements ProgressRenderer {
  readonly #stream: NodeJS.WritableStream;
  readonly #everyMs: number;
  #lastAt = 0;
  #lastStates = '';

  constructor(stream: NodeJS.WritableStream, everyMs = 5_000) {
    this.#stream = stream;
    this.#everyMs = everyMs;
  }

  update(view: ProgressView): void {
    const states = JSON.stringify(view.states) + (view.error ?? '');
    const now = Date.now();
    if (now - this.#lastAt < this.#everyMs && states === this.#lastStates) return;
    this.#lastAt = now;
    this.#lastStates = states;
    this.#stream.write(`${progressLine(view)}${view.error ? ` [retrying: ${view.error}]` : ''}\n`);
  }

  note(text: string): void {
    this.#stream.write(`${text}\n`);
  }

  stop(): void {}
}

/** Bars at most this many arcs at once (the router streams a few at a time anyway). */
const MAX_ARC_BARS = 8;

interface BarPayload {
  label: string;
  tail: string;
}

/** A terminal: a bar for the whole change and one per arc being copied, redrawn in place. */
export class BarRenderer implements ProgressRenderer {
  readonly #multi: cliProgress.MultiBar;
  readonly #total: cliProgress.SingleBar;
  readonly #arcs = new Map<string, cliProgress.SingleBar>();

  constructor(stream: NodeJS.WritableStream) {
    this.#multi = new cliProgress.MultiBar({
      stream,
      fps: 5,
      barsize: 24,
      hideCursor: true,
      linewrap: false,
      autopadding: true,
      barCompleteChar: '#',
      barIncompleteChar: '.',
      format: (options, params, payload: BarPayload) =>
        `${payload.label} [${cliProgress.Format.BarFormat(params.progress, options)}] ${payload.tail}`,
    });
    this.#total = this.#multi.create(1000, 0, { label: 'total'.padEnd(26), tail: '' } satisfies BarPayload);
  }

  update(view: ProgressView): void {
    const s = view.states;
    this.#total.update(Math.round(view.done * 1000), {
      label: `total ${s['done'] ?? 0}/${view.arcs.length} arcs`.padEnd(26),
      tail: `${percent(view.done)} ${view.keysMoved}/${view.estimatedKeys} keys ${humanBytes(view.bytesMoved)} ` +
        `${Math.round(view.keysPerSec)} keys/s ${humanBytes(BigInt(Math.round(view.bytesPerSec)))}/s ETA ${eta(view.etaSec)}` +
        (view.error ? ` [retrying: ${view.error}]` : ''),
    } satisfies BarPayload);
    // A wave marks many arcs copying but streams a few at a time: show those moving first,
    // then those not started, then those copied and waiting for their hand-off.
    const order = (done: number) => (done > 0 && done < 1 ? 0 : done === 0 ? 1 : 2);
    const active = view.arcs
      .filter((a) => a.move.state === 'copying' || a.move.state === 'handoff')
      .sort((a, b) => order(a.done) - order(b.done))
      .slice(0, MAX_ARC_BARS);
    const keep = new Set(active.map((a) => a.arc));
    for (const [arc, bar] of this.#arcs) {
      if (!keep.has(arc)) {
        this.#multi.remove(bar);
        this.#arcs.delete(arc);
      }
    }
    for (const a of active) {
      const payload: BarPayload = {
        label: `  ${moveLabel(a.move)}`.padEnd(26),
        tail: `${a.move.state} ${percent(a.done)} ${a.move.keysMoved}/${a.move.estimatedKeys} keys ` +
          `${humanBytes(a.move.bytesMoved)} ${a.bytesPerSec === undefined ? '-' : `${humanBytes(BigInt(Math.round(a.bytesPerSec)))}/s`} ` +
          `ETA ${eta(a.etaSec)} arc ${a.arc}`,
      };
      const bar = this.#arcs.get(a.arc);
      if (bar) bar.update(Math.round(a.done * 1000), payload);
      else this.#arcs.set(a.arc, this.#multi.create(1000, Math.round(a.done * 1000), payload));
    }
  }

  note(text: string): void {
    this.#multi.log(`${text}\n`);
  }

  stop(): void {
    this.#multi.stop();
  }
}
