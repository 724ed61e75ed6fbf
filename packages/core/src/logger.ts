import { pino, type DestinationStream, type Logger } from 'pino';
import { ErrorCode, RingKvError } from './errors.js';

/** The environment variable that sets the log level of ringkv-node and ringkv-router. */
export const LOG_LEVEL_ENV = 'RINGKV_LOG_LEVEL';

const LEVELS: ReadonlySet<string> = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** The level named by RINGKV_LOG_LEVEL (default info); INVALID_ARGUMENT naming the variable if it is not a level. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const level = env[LOG_LEVEL_ENV]?.trim().toLowerCase() || 'info';
  if (!LEVELS.has(level)) {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT,
      `${LOG_LEVEL_ENV}="${env[LOG_LEVEL_ENV]}" is not a log level (use one of ${[...LEVELS].join(', ')})`);
  }
  return level;
}

/**
 * JSON logs (pino) on stdout, or on `destination` (tests capture logs in-process with one);
 * level from RINGKV_LOG_LEVEL (default info).
 */
export function createLogger(name: string, bindings: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = { name, level: logLevelFromEnv(), base: { pid: process.pid, ...bindings } };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
