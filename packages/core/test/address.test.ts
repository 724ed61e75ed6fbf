import { describe, expect, it } from 'vitest';
import { RingKvError, formatHostPort, parseHostPort, validateShardId } from '@ringkv/core';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RingKvError);
    return (err as RingKvError).code;
  }
  return undefined;
}

describe('parseHostPort', () => {
  it.each([
    ['127.0.0.1:7400', '127.0.0.1', 7400],
    ['localhost:1', 'localhost', 1],
    ['node-1.example.com:65535', 'node-1.example.com', 65535],
    ['host:0', 'host', 0],
    ['[::1]:7400', '::1', 7400],
    ['[2001:db8::1]:80', '2001:db8::1', 80],
    ['  10.0.0.2:9000  ', '10.0.0.2', 9000],
  ])('accepts %j', (text, host, port) => {
    expect(parseHostPort(text)).toEqual({ host, port });
  });

  it.each([
    '',
    '127.0.0.1',
    ':7400',
    '127.0.0.1:',
    '127.0.0.1:65536',
    '127.0.0.1:99999',
    '127.0.0.1:-1',
    '127.0.0.1:abc',
    '127.0.0.1:74 00',
    'host:123456',
    '::1:7400',
    '[::1]',
    'ho st:1',
    'host_name:1',
    'http://127.0.0.1:7400',
    '127.0.0.1:7400/x',
  ])('rejects %j with INVALID_ARGUMENT', (text) => {
    expect(codeOf(() => parseHostPort(text))).toBe('INVALID_ARGUMENT');
  });

  it('names the thing and the expected form in the message', () => {
    expect(() => parseHostPort('nope', '--router')).toThrow(/--router.*HOST:PORT/);
  });

  it('formats back, bracketing IPv6', () => {
    expect(formatHostPort({ host: '127.0.0.1', port: 7400 })).toBe('127.0.0.1:7400');
    expect(formatHostPort({ host: '::1', port: 7400 })).toBe('[::1]:7400');
    for (const t of ['127.0.0.1:1', '[::1]:2', 'a.b:3']) expect(formatHostPort(parseHostPort(t))).toBe(t);
  });
});

describe('validateShardId', () => {
  it.each(['s1', 'shard-1', 'A', 'node_2.eu', '0', 'x'.repeat(64)])('accepts %j', (id) => {
    expect(validateShardId(id)).toBe(id);
  });
  it.each(['', '-a', '.a', '_a', 'a b', 'a=b', 'a:b', 'a/b', 'x'.repeat(65), 'é'])('rejects %j', (id) => {
    expect(codeOf(() => validateShardId(id))).toBe('INVALID_ARGUMENT');
  });
});
