import { RingKvError } from './errors.js';
import type { Logger } from './logger.js';
import { silenceIpServernameWarning } from './tls.js';

/**
 * The life of a server process (ringkv-node, ringkv-router): start it; on SIGTERM or SIGINT
 * drain and close it, then exit 0 (1 if closing failed). A start failure prints
 * `error: CODE: message` and exits 1.
 */
export async function runUntilSignal(log: Logger, start: () => Promise<{ close(): Promise<void> }>): Promise<void> {
  silenceIpServernameWarning();
  let server: { close(): Promise<void> };
  try {
    server = await start();
  } catch (err) {
    exitOnStartFailure(err);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    server.close().then(() => process.exit(0), (err: unknown) => {
      log.error({ err }, 'close failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Prints `error: CODE: message` and exits 1: a server that cannot start (bad flag or environment). */
export function exitOnStartFailure(err: unknown): never {
  const code = err instanceof RingKvError ? err.code : 'INTERNAL';
  process.stderr.write(`error: ${code}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
