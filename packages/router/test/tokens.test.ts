import { describe, expect, it } from 'vitest';
import { MIN_TOKEN_LENGTH, parseTokens } from '../src/tokens.js';

const T = 'a-secret-token-of-32-characters!';
const doc = (tokens: unknown) => JSON.stringify({ tokens });

describe('parseTokens: the --tokens file', () => {
  it('reads each role', () => {
    const text = doc([{ token: T, role: 'read-write' }, { token: `${T}2`, role: 'read-only' }, { token: `${T}3`, role: 'admin' }]);
    expect(parseTokens(text, 'f')).toEqual([
      { token: T, role: 'read-write' }, { token: `${T}2`, role: 'read-only' }, { token: `${T}3`, role: 'admin' },
    ]);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', `{"tokens":[{"token":"${T}"`, /not valid JSON/],
    ['an array', '[]', /expected an object/],
    ['no tokens field', '{}', /"tokens" must be an array/],
    ['an empty list', doc([]), /"tokens" is empty/],
    ['an unknown top-level field', JSON.stringify({ tokens: [{ token: T, role: 'admin' }], extra: 1 }), /unknown field "extra"/],
    ['a string entry', doc([T]), /tokens\[0\] must be an object/],
    ['a missing token', doc([{ role: 'admin' }]), /tokens\[0\]\.token must be a string/],
    ['a short token', doc([{ token: 'x'.repeat(MIN_TOKEN_LENGTH - 1), role: 'admin' }]), /shorter than 16/],
    ['a token with a space', doc([{ token: `${T} x`, role: 'admin' }]), /printable ASCII/],
    ['a non-ASCII token', doc([{ token: `${T}é`, role: 'admin' }]), /printable ASCII/],
    ['an unknown role', doc([{ token: T, role: 'root' }]), /tokens\[0\]\.role must be one of "read-only", "read-write", "admin"/],
    ['a missing role', doc([{ token: T }]), /role must be one of/],
    ['a misspelt field', doc([{ token: T, rol: 'admin' }]), /unknown field "rol"/],
    ['a duplicate', doc([{ token: T, role: 'admin' }, { token: T, role: 'read-only' }]), /tokens\[1\]\.token is the same as tokens\[0\]\.token/],
  ];
  it.each(bad)('refuses %s with INVALID_ARGUMENT naming the file, never echoing a token', (_what, text, message) => {
    let err: unknown;
    try {
      parseTokens(text, '--tokens /etc/ringkv/tokens.json');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
    const msg = (err as Error).message;
    expect(msg).toMatch(message);
    expect(msg.startsWith('--tokens /etc/ringkv/tokens.json: ')).toBe(true);
    expect(msg).not.toContain(T);
  });
});
