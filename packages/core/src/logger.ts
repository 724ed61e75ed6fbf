import { pino, type Logger } from 'pino';

/** JSON logs on stdout; level from RINGKV_LOG_LEVEL (default info). */
export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ name, level: process.env.RINGKV_LOG_LEVEL ?? 'info', base: { pid: process.pid, ...bindings } });
}

export type { Logger };
