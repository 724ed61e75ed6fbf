import { ErrorCode, RingKvError, type Logger } from '@ringkv/core';

/**
 * Logs a refused call: method, peer and code, never the token or the metadata (a token is a
 * bearer secret). Other errors are not logged here.
 */
export function refusalLogger(log: Logger) {
  return (call: { getPeer(): string }, method: string, err: unknown): void => {
    if (!(err instanceof RingKvError)) return;
    if (err.code !== ErrorCode.UNAUTHENTICATED && err.code !== ErrorCode.PERMISSION_DENIED) return;
    log.warn({ method, peer: call.getPeer(), code: err.code }, 'call refused');
  };
}
