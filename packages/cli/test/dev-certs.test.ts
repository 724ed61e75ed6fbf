import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { initDevCerts } from '../src/dev-certs.js';
import { parseTokens } from '@ringkv/router/internal';

const root = mkdtempSync(join(tmpdir(), 'ringkv-certs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const read = (dir: string, f: string) => readFileSync(join(dir, f));

/** A TLS handshake on 127.0.0.1 where each side demands the other's certificate. */
async function mutualHandshake(serverDir: string, clientDir: string, servername: string): Promise<string> {
  const server: Server = createServer({
    cert: read(serverDir, 'cert.pem'), key: read(serverDir, 'key.pem'), ca: read(serverDir, 'ca.pem'), requestCert: true, rejectUnauthorized: true,
  }, (s) => s.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise<string>((resolve) => {
      const s = connect({
        host: '127.0.0.1', port, servername, ca: read(clientDir, 'ca.pem'), cert: read(clientDir, 'cert.pem'), key: read(clientDir, 'key.pem'),
      }, () => s.once('data', (d) => resolve(d.toString())));
      s.on('error', (err) => resolve(`error: ${err.message}`));
    });
  } finally {
    server.close();
  }
}

describe('initDevCerts (ringkv certs init)', () => {
  const dir = join(root, 'a');
  const result = initDevCerts({ dir, hosts: ['shard-1', 'router', '10.1.2.3'], days: 30, tokens: true });

  it('writes a CA and a certificate it signed, for every default and given host', () => {
    const ca = new X509Certificate(read(dir, 'ca.pem'));
    const cert = new X509Certificate(read(dir, 'cert.pem'));
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    for (const h of ['localhost', 'shard-1', 'router']) expect(cert.checkHost(h)).toBe(h);
    for (const ip of ['127.0.0.1', '::1', '10.1.2.3']) expect(cert.checkIP(ip)).toBe(ip);
    expect(cert.checkHost('elsewhere.example')).toBeUndefined();
    expect(cert.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'])); // server and client auth
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);
    expect(result.hosts).toEqual(['localhost', '127.0.0.1', '::1', 'shard-1', 'router', '10.1.2.3']);
  });

  it('keeps keys and tokens private (0600) and writes a tokens file the router accepts', () => {
    for (const f of ['ca-key.pem', 'key.pem', 'tokens.json', 'admin.token']) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    const tokens = parseTokens(read(dir, 'tokens.json').toString(), 'tokens.json');
    expect(tokens.map((t) => t.role)).toEqual(['admin', 'read-write', 'read-only']);
    expect(read(dir, 'read-only.token').toString().trim()).toBe(tokens[2]!.token);
  });

  it('makes certificates that complete a mutual TLS handshake, and fail one with another CA', async () => {
    expect(await mutualHandshake(dir, dir, 'localhost')).toBe('ok');
    const other = join(root, 'other');
    initDevCerts({ dir: other });
    expect(await mutualHandshake(dir, other, 'localhost')).toMatch(/^error: /);
    expect(await mutualHandshake(dir, dir, 'not-in-the-cert')).toMatch(/^error: .*altnames/i);
  });

  it('refuses to overwrite without force, and checks its arguments', () => {
    expect(() => initDevCerts({ dir })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('--force') }));
    const before = read(dir, 'ca.pem').toString();
    initDevCerts({ dir, force: true });
    expect(read(dir, 'ca.pem').toString()).not.toBe(before);
    expect(() => initDevCerts({ dir: join(root, 'b'), hosts: ['bad host'] })).toThrow(/invalid --host "bad host"/);
    expect(() => initDevCerts({ dir: join(root, 'c'), days: 0 })).toThrow(/invalid --days/);
  });
});
