export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Thrown by a probe to end `waitUntil` at once: waiting longer cannot help. */
export class StopWaiting extends Error {}

/**
 * Polls `probe` until it returns a value other than undefined (or stops throwing), at most
 * `timeoutMs`; then fails with what the last attempt said. A StopWaiting error ends it at once.
 */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt finished';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
      last = 'not yet';
    } catch (err) {
      if (err instanceof StopWaiting) throw err;
      last = err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err);
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
    await sleep(intervalMs);
  }
}
