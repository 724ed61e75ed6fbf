import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isErrorCode } from './errors.js';
import type { Op__Output } from './generated/ringkv/v1/Op.js';

/**
 * A registry of its own for one server (not prom-client's global one, so several routers and
 * nodes in one process do not collide), with the process metrics (CPU, memory, heap, event
 * loop lag, GC, file descriptors) and `labels` added to every series.
 */
export function createMetricsRegistry(labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Registers gauges in `registry` whose value `collect` sets at each scrape (read from live state). */
export function gaugeRegistrar(registry: Registry) {
  return (name: string, help: string, collect: (g: Gauge<string>) => void | Promise<void>, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry], collect() { return collect(this); } });
}

/** Latency buckets in seconds: 0.25 ms to 10 s (a batched get takes well under a millisecond). */
export const DURATION_BUCKETS_SECONDS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The `op` label of an operation: get, put, delete, lock, queue (bounded; `invalid` when none is set). */
export function opKindOf(op: Pick<Op__Output, 'op'>): string {
  return op.op ?? 'invalid';
}

/** The `code` label of an outcome: OK, or a ringkv error code (INTERNAL for anything else, so labels stay bounded). */
export function codeLabel(errorCode: string | undefined): string {
  if (!errorCode) return 'OK';
  return isErrorCode(errorCode) ? errorCode : 'INTERNAL';
}

type CounterChild = ReturnType<Counter<'op' | 'code'>['labels']>;
type HistogramChild = ReturnType<Histogram<'op'>['labels']>;

/**
 * `<prefix>_total{op,code}` and `<durationName>{op}`, with the labelled children cached: the
 * hot path does two map lookups per operation and allocates nothing.
 */
export class OpMetrics {
  readonly #counter: Counter<'op' | 'code'>;
  readonly #histogram: Histogram<'op'>;
  readonly #counters = new Map<string, Map<string, CounterChild>>();
  readonly #histograms = new Map<string, HistogramChild>();

  constructor(registry: Registry, names: { total: string; totalHelp: string; duration: string; durationHelp: string }) {
    this.#counter = new Counter({ name: names.total, help: names.totalHelp, labelNames: ['op', 'code'], registers: [registry] });
    this.#histogram = new Histogram({
      name: names.duration, help: names.durationHelp, labelNames: ['op'], buckets: DURATION_BUCKETS_SECONDS, registers: [registry],
    });
  }

  /** One operation of kind `op` ended with `errorCode` ('' = OK) after `seconds`. */
  record(op: string, errorCode: string | undefined, seconds: number): void {
    const code = codeLabel(errorCode);
    let byCode = this.#counters.get(op);
    if (!byCode) this.#counters.set(op, (byCode = new Map()));
    let c = byCode.get(code);
    if (!c) byCode.set(code, (c = this.#counter.labels(op, code)));
    c.inc();
    let h = this.#histograms.get(op);
    if (!h) this.#histograms.set(op, (h = this.#histogram.labels(op)));
    h.observe(seconds);
  }
}
