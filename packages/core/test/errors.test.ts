import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  ErrorCode,
  RETRYABLE_CODES,
  RingKvError,
  asRingKvError,
  isErrorCode,
  isRetryableError,
} from '@ringkv/core';

describe('errors', () => {
  it('lists every code the design names, each mapping to itself', () => {
    const designCodes = [
      'INVALID_ARGUMENT', 'KEY_TOO_LARGE', 'VALUE_TOO_LARGE', 'NOT_FOUND', 'CONFLICT', 'WRONG_OWNER', 'TRY_AGAIN',
      'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'LOCK_NOT_HELD', 'UNAUTHENTICATED', 'PERMISSION_DENIED',
      'MIGRATION_IN_PROGRESS', 'UNKNOWN_SHARD',
    ];
    for (const c of designCodes) expect(ERROR_CODES).toContain(c);
    for (const c of ERROR_CODES) expect((ErrorCode as Record<string, string>)[c]).toBe(c);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    expect(Object.isFrozen(ERROR_CODES)).toBe(true);
  });

  it('isErrorCode accepts exactly the listed codes', () => {
    for (const c of ERROR_CODES) expect(isErrorCode(c)).toBe(true);
    for (const v of ['', 'conflict', 'BOGUS', 3, undefined, null, {}]) expect(isErrorCode(v)).toBe(false);
  });

  it('RingKvError carries code, message, cause and epoch', () => {
    const cause = new Error('root');
    const e = new RingKvError(ErrorCode.WRONG_OWNER, 'not mine', { cause, epoch: 7n });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('RingKvError');
    expect(e.code).toBe('WRONG_OWNER');
    expect(e.message).toBe('not mine');
    expect(e.cause).toBe(cause);
    expect(e.epoch).toBe(7n);
    expect(new RingKvError(ErrorCode.CONFLICT, 'x').epoch).toBeUndefined();
  });

  it('retryable codes are exactly TRY_AGAIN, UNAVAILABLE, WRONG_OWNER, RESOURCE_EXHAUSTED', () => {
    expect([...RETRYABLE_CODES].sort()).toEqual(['RESOURCE_EXHAUSTED', 'TRY_AGAIN', 'UNAVAILABLE', 'WRONG_OWNER']);
    for (const c of ERROR_CODES) expect(isRetryableError(new RingKvError(c, 'x'))).toBe(RETRYABLE_CODES.has(c));
    expect(isRetryableError(new Error('plain'))).toBe(false);
  });

  it('asRingKvError wraps anything else as INTERNAL and passes RingKvError through', () => {
    const own = new RingKvError(ErrorCode.CONFLICT, 'x');
    expect(asRingKvError(own)).toBe(own);
    const plain = new Error('boom');
    const wrapped = asRingKvError(plain);
    expect(wrapped.code).toBe('INTERNAL');
    expect(wrapped.message).toBe('boom');
    expect(wrapped.cause).toBe(plain);
    expect(asRingKvError('text').message).toBe('text');
  });
});
