import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initDevCerts } from '@ringkv/cli/internal';
import { checkToken, clientSecurity, resolveClientOptions } from '../src/internal-mod.js';

const dir = mkdtempSync(join(tmpdir(), 'ringkv-client-tls-'));
initDevCerts({ dir });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ca = join(dir, 'ca.pem');

describe('ClientOptions token and tls', () => {
  it('defaults to plaintext without a token', () => {
    const s = resolveClientOptions({ routers: ['127.0.0.1:7400'] }).security;
    expect(s.tls).toBe(false);
    expect(s.interceptors).toEqual([]);
  });

  it('adds one interceptor for a token, and refuses tokens that cannot be a header without echoing them', () => {
    expect(clientSecurity(undefined, 'a-token').interceptors).toHaveLength(1);
    expect(checkToken(undefined)).toBeUndefined();
    for (const bad of ['', 'two words', 'tab\there', 'é-token']) {
      let message = '';
      try {
        resolveClientOptions({ routers: ['127.0.0.1:7400'], token: bad });
      } catch (err) {
        message = (err as Error).message;
        expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
      }
      expect(message).toContain('`token`');
      if (bad !== '') expect(message).not.toContain(bad);
    }
  });

  it('takes the CA as a path, as PEM text or as a Buffer', () => {
    for (const value of [ca, readFileSync(ca, 'utf8'), readFileSync(ca)]) expect(clientSecurity({ ca: value }, undefined).tls).toBe(true);
    expect(clientSecurity({}, undefined).tls).toBe(true);
  });

  it('names the option that is wrong', () => {
    expect(() => clientSecurity({ ca: join(dir, 'missing.pem') }, undefined)).toThrow(/cannot read `tls.ca` file/);
    expect(() => clientSecurity({ cert: join(dir, 'cert.pem') }, undefined)).toThrow(/`tls.cert` and `tls.key` go together/);
    expect(() => clientSecurity({ serverName: '' }, undefined)).toThrow(/`tls.serverName`/);
    expect(clientSecurity({ serverName: 'router' }, undefined).channelOptions).toEqual({ 'grpc.ssl_target_name_override': 'router' });
  });
});
