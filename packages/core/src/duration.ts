import { ErrorCode, RingKvError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "250ms", "10s", "5m", "2h", "1d" or a bare number of milliseconds. */
export function parseDurationMs(text: string, what = 'duration'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(String(text).trim());
  if (!m) throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `invalid ${what} "${text}" (examples: 500ms, 10s, 5m, 1h)`);
  const ms = Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']!);
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `invalid ${what} "${text}": must be > 0`);
  return ms;
}
