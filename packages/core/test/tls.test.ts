import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTlsMaterial } from '../src/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'ringkv-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pem = join(dir, 'x.pem');
const notPem = join(dir, 'x.txt');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
writeFileSync(notPem, 'hello');

describe('loadTlsMaterial: --tls-cert, --tls-key, --tls-ca', () => {
  it('is off when none is given (empty environment variables count as not given)', () => {
    expect(loadTlsMaterial({})).toBeUndefined();
    expect(loadTlsMaterial({ cert: '', key: '', ca: '' })).toBeUndefined();
  });

  it('reads all three', () => {
    const tls = loadTlsMaterial({ cert: pem, key: pem, ca: pem })!;
    expect(tls.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(Object.keys(tls).sort()).toEqual(['ca', 'cert', 'key']);
  });

  it.each([
    [{ cert: pem }, /missing --tls-key \(RINGKV_TLS_KEY\), --tls-ca \(RINGKV_TLS_CA\)/],
    [{ cert: pem, key: pem }, /missing --tls-ca \(RINGKV_TLS_CA\)$/],
    [{ cert: pem, key: join(dir, 'nope.pem'), ca: pem }, /cannot read --tls-key .*nope\.pem/],
    [{ cert: pem, key: pem, ca: notPem }, /--tls-ca .*x\.txt is not a PEM file/],
  ])('refuses %j naming the flag', (files, message) => {
    expect(() => loadTlsMaterial(files)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) }));
  });
});
