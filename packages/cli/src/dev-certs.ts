import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { ErrorCode, RingKvError } from '@ringkv/core';
import { issueCertificate } from './x509.js';

/** Names every development certificate carries: local clients and tests reach servers by these. */
export const DEFAULT_CERT_HOSTS = ['localhost', '127.0.0.1', '::1'];

export const TOKEN_ROLES = ['admin', 'read-write', 'read-only'] as const;

export interface DevCertsRequest {
  dir: string;
  /** Extra DNS names or IPs (compose service names, the machine's name). */
  hosts?: string[];
  /** @default 365 */
  days?: number;
  /** Also write tokens.json (for ringkv-router --tokens) and one ROLE.token file per role. @default false */
  tokens?: boolean;
  /** Replace files that exist. @default false */
  force?: boolean;
}

export interface DevCertsResult {
  /** Files written, relative to dir. */
  files: string[];
  hosts: string[];
}

/** The files a complete set has; `ca.pem` decides whether a directory already holds one. */
export const CERT_FILES = ['ca.pem', 'ca-key.pem', 'cert.pem', 'key.pem'];

function invalid(message: string): RingKvError {
  return new RingKvError(ErrorCode.INVALID_ARGUMENT, message);
}

function checkHost(h: string): string {
  if (isIP(h) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9*](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(h)) return h;
  throw invalid(`invalid --host "${h}": expected a DNS name or an IP address`);
}

/**
 * A development CA and one certificate signed by it, shared by every router and storage node
 * (server and client use, SANs = DEFAULT_CERT_HOSTS + hosts), written to dir: ca.pem,
 * ca-key.pem, cert.pem, key.pem (keys 0600); with `tokens`, tokens.json and ROLE.token files.
 */
export function initDevCerts(req: DevCertsRequest): DevCertsResult {
  const days = req.days ?? 365;
  if (!Number.isSafeInteger(days) || days < 1 || days > 36_500) throw invalid(`invalid --days ${days}: a whole number from 1 to 36500`);
  const hosts = [...new Set([...DEFAULT_CERT_HOSTS, ...(req.hosts ?? []).map(checkHost)])];
  const names = [...CERT_FILES, ...(req.tokens ? ['tokens.json', ...TOKEN_ROLES.map((r) => `${r}.token`)] : [])];
  const present = names.filter((f) => existsSync(join(req.dir, f)));
  if (present.length > 0 && !req.force) {
    throw invalid(`${req.dir} already holds ${present.join(', ')}: pass --force to replace them, or --if-missing to keep them`);
  }
  mkdirSync(req.dir, { recursive: true });
  const ca = issueCertificate({ name: 'ringkv development CA', days });
  const leaf = issueCertificate({ name: 'ringkv', days, hosts, issuer: ca });
  const write = (name: string, text: string, secret: boolean) =>
    writeFileSync(join(req.dir, name), text, { mode: secret ? 0o600 : 0o644, flag: req.force ? 'w' : 'wx' });
  write('ca.pem', ca.cert, false);
  write('ca-key.pem', ca.key, true);
  write('cert.pem', leaf.cert, false);
  write('key.pem', leaf.key, true);
  if (req.tokens) {
    const tokens = TOKEN_ROLES.map((role) => ({ token: randomBytes(24).toString('base64url'), role }));
    write('tokens.json', `${JSON.stringify({ tokens }, null, 2)}\n`, true);
    for (const t of tokens) write(`${t.role}.token`, `${t.token}\n`, true);
  }
  return { files: names, hosts };
}
