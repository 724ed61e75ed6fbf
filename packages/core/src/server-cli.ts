import { InvalidArgumentError, type Command } from 'commander';
import { parseHostPort } from './address.js';
import { METRICS_ENV } from './metrics-server.js';

// The command-line pieces `ringkv-node` and `ringkv-router` share (the flags' values become
// server options through commonServerOptions in server-flags.ts). A subpath of its own
// (`@ringkv/core/server-cli`), so the SDK, which imports core, does not load commander.

/** A commander argument parser: a positive safe integer. */
export function positiveInt(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive integer`);
    return n;
  };
}

/** A commander argument parser: HOST:PORT, kept as given. */
export function hostPort(flag: string): (v: string) => string {
  return (v) => {
    try {
      parseHostPort(v, flag);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
    return v;
  };
}

/** Size limits: declared where each bin lists its data flags. */
export function addLimitFlags(cmd: Command): Command {
  return cmd
    .option('--max-key-bytes <n>', 'largest key accepted', positiveInt('--max-key-bytes'))
    .option('--max-value-bytes <n>', 'largest value accepted', positiveInt('--max-value-bytes'));
}

/** Metrics and slow-request logging. */
export function addObservabilityFlags(cmd: Command): Command {
  return cmd
    .option('--metrics <host:port>', 'serve Prometheus metrics on http://HOST:PORT/metrics (env RINGKV_METRICS)', hostPort('--metrics'), process.env[METRICS_ENV])
    .option('--slow-request-ms <ms>', 'log requests slower than this at warn (default 1000)', positiveInt('--slow-request-ms'));
}

/** Admission control (see InFlightLimits). */
export function addInFlightFlags(cmd: Command): Command {
  return cmd
    .option('--max-in-flight-ops <n>', 'operations executed at once; more get RESOURCE_EXHAUSTED (default 100000)', positiveInt('--max-in-flight-ops'))
    .option('--max-in-flight-bytes <n>', 'payload bytes executed at once; more get RESOURCE_EXHAUSTED (default 268435456)', positiveInt('--max-in-flight-bytes'))
    .option('--max-stream-in-flight-ops <n>', 'operations in flight on one Pipeline stream (default 50000)', positiveInt('--max-stream-in-flight-ops'));
}
