import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isHealthCommand } from '../src/commands/health.js';
import { securityOf } from '../src/security-flags.js';

const dir = mkdtempSync(join(tmpdir(), 'ringkv-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, 'from-the-file-0123456789\n');

describe('securityOf: --token, --token-file, --tls-* over their environment variables', () => {
  it('is empty with nothing given: no token, plaintext', () => {
    expect(securityOf({}, {})).toEqual({});
  });

  it('takes a flag over the environment, and a token over a token file', () => {
    expect(securityOf({ token: 'flag' }, { RINGKV_TOKEN: 'env' })).toEqual({ token: 'flag' });
    expect(securityOf({}, { RINGKV_TOKEN: 'env', RINGKV_TOKEN_FILE: tokenFile })).toEqual({ token: 'env' });
    expect(securityOf({ tokenFile }, { RINGKV_TOKEN: 'env' })).toEqual({ token: 'from-the-file-0123456789' });
    expect(securityOf({}, { RINGKV_TOKEN_FILE: tokenFile })).toEqual({ token: 'from-the-file-0123456789' });
  });

  it('turns TLS on with a CA or --tls, with the client certificate when both halves are given', () => {
    expect(securityOf({ tlsCa: 'ca.pem' }, {})).toEqual({ tls: { ca: 'ca.pem' } });
    expect(securityOf({}, { RINGKV_TLS_CA: 'ca.pem', RINGKV_TLS_CERT: 'c.pem', RINGKV_TLS_KEY: 'k.pem' })).toEqual({ tls: { ca: 'ca.pem', cert: 'c.pem', key: 'k.pem' } });
    expect(securityOf({ tls: true }, {})).toEqual({ tls: {} });
    // A server's own certificate in the environment does not turn TLS on for the CLI by itself.
    expect(securityOf({}, { RINGKV_TLS_CERT: 'c.pem', RINGKV_TLS_KEY: 'k.pem' })).toEqual({});
  });

  it('explains what is wrong', () => {
    expect(securityOf({ token: 'a', tokenFile }, {})).toMatch(/cannot be combined/);
    expect(securityOf({ tokenFile: join(dir, 'missing') }, {})).toMatch(/cannot read --token-file/);
    expect(securityOf({ token: 'two words' }, {})).toMatch(/printable ASCII/);
    expect(securityOf({ tlsCa: 'ca.pem', tlsCert: 'c.pem' }, {})).toMatch(/--tls-cert and --tls-key go together/);
  });
});

describe('isHealthCommand with the security options before it', () => {
  it.each([
    [['--tls-ca', 'ca.pem', '--token', 't', 'health'], true],
    [['--tls', '--tls-cert=c.pem', '--tls-key', 'k.pem', 'health', '--target', 'x:1'], true],
    [['--token', 'health', 'get', 'k'], false],
    [['--tls-ca', 'ca.pem', 'get', 'health'], false],
  ])('%j -> %s', (args, expected) => {
    expect(isHealthCommand(['node', 'ringkv', ...args])).toBe(expected);
  });
});
