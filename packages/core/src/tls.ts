import { readFileSync } from 'node:fs';
import { ChannelCredentials, ServerCredentials, credentials } from '@grpc/grpc-js';
import { ErrorCode, RingKvError } from './errors.js';

/** PEM files of a server process (ringkv-node, ringkv-router), as given by flags or environment. */
export interface TlsFiles {
  /** This process's certificate chain (`--tls-cert`, RINGKV_TLS_CERT). */
  cert?: string | undefined;
  /** Its private key (`--tls-key`, RINGKV_TLS_KEY). */
  key?: string | undefined;
  /** The CA that signs every ringkv certificate (`--tls-ca`, RINGKV_TLS_CA). */
  ca?: string | undefined;
}

/** The loaded PEM contents: TLS is on for a process exactly when it has these. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}

export const TLS_FLAGS = {
  cert: { flag: '--tls-cert', env: 'RINGKV_TLS_CERT' },
  key: { flag: '--tls-key', env: 'RINGKV_TLS_KEY' },
  ca: { flag: '--tls-ca', env: 'RINGKV_TLS_CA' },
} as const;

/**
 * Reads the three files, or returns undefined when none is given (TLS off). Giving some but
 * not all is an INVALID_ARGUMENT naming the missing flag; an unreadable or non-PEM file names
 * its flag too.
 */
export function loadTlsMaterial(files: TlsFiles): TlsMaterial | undefined {
  const names = ['cert', 'key', 'ca'] as const;
  const given = names.filter((n) => files[n] !== undefined && files[n] !== '');
  if (given.length === 0) return undefined;
  const missing = names.filter((n) => !given.includes(n));
  if (missing.length > 0) {
    const list = missing.map((n) => `${TLS_FLAGS[n].flag} (${TLS_FLAGS[n].env})`).join(', ');
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `TLS needs --tls-cert, --tls-key and --tls-ca together: missing ${list}`);
  }
  const read = (n: (typeof names)[number]): Buffer => readPem(files[n]!, TLS_FLAGS[n].flag);
  return { cert: read('cert'), key: read('key'), ca: read('ca') };
}

/** A PEM file's bytes; INVALID_ARGUMENT naming `flag` if it cannot be read or holds no PEM block. */
export function readPem(path: string, flag: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `cannot read ${flag} ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (!pem.includes('-----BEGIN ')) throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `${flag} ${path} is not a PEM file`);
  return pem;
}

/**
 * What a server binds with: plaintext without TLS; with TLS, its certificate, and when
 * `requireClientCert` (storage nodes) only peers presenting a certificate signed by the CA.
 */
export function serverCredentials(tls: TlsMaterial | undefined, requireClientCert: boolean): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(requireClientCert ? tls.ca : null, [{ cert_chain: tls.cert, private_key: tls.key }], requireClientCert);
}

/**
 * What a process connects to storage nodes with: plaintext without TLS; with TLS, the server
 * is verified against the CA and this process's certificate is its client certificate (mTLS).
 */
export function peerCredentials(tls: TlsMaterial | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  return credentials.createSsl(tls.ca, tls.key, tls.cert);
}

export { silenceIpServernameWarning } from './process-warnings.js';
