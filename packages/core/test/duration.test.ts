import { describe, expect, it } from 'vitest';
import { RingKvError, parseDurationMs } from '@ringkv/core';

describe('parseDurationMs', () => {
  it.each([
    ['1', 1],
    ['250', 250],
    ['250ms', 250],
    ['10s', 10_000],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    [' 3s ', 3_000],
    ['0.5ms', 1],
  ])('%j -> %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', '0', '0s', '-1s', 's', '10 s', '10sec', '1w', '1e3', 'abc', '1.2.3s', '0.1ms', '99999999999999999999d'])(
    'rejects %j with INVALID_ARGUMENT',
    (text) => {
      let err: unknown;
      try {
        parseDurationMs(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RingKvError);
      expect((err as RingKvError).code).toBe('INVALID_ARGUMENT');
    },
  );

  it('names the option in the message', () => {
    expect(() => parseDurationMs('soon', '--ttl')).toThrow(/--ttl/);
  });
});
