import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

// The CLI's access token and TLS options. Kept free of @ringkv/core so that `ringkv health`
// (commands/health.ts), which container healthchecks run every few seconds, stays light.

export const SECURITY_ENV = {
  token: 'RINGKV_TOKEN',
  tokenFile: 'RINGKV_TOKEN_FILE',
  tlsCa: 'RINGKV_TLS_CA',
  tlsCert: 'RINGKV_TLS_CERT',
  tlsKey: 'RINGKV_TLS_KEY',
} as const;

export interface SecurityFlags {
  token?: string;
  tokenFile?: string;
  tls?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** What the CLI connects with: a token, and TLS file paths (the SDK and health read them). */
export interface CliSecurity {
  token?: string;
  /** Present when TLS is on (--tls, or a CA given). */
  tls?: { ca?: string; cert?: string; key?: string };
}

/** Global options taking a value, for commands/health.ts's argv scan. */
export const SECURITY_VALUE_FLAGS = ['--token', '--token-file', '--tls-ca', '--tls-cert', '--tls-key'];

export function addSecurityOptions(program: Command): Command {
  return program
    .option('--token <token>', `access token for routers started with --tokens (default: $${SECURITY_ENV.token}; prefer $${SECURITY_ENV.tokenFile}: flags show in ps)`)
    .option('--token-file <file>', `read the access token from a file (default: $${SECURITY_ENV.tokenFile})`)
    .option('--tls', 'connect with TLS, trusting the system CAs (implied by --tls-ca)')
    .option('--tls-ca <file>', `connect with TLS, trusting this CA (default: $${SECURITY_ENV.tlsCa})`)
    .option('--tls-cert <file>', `client certificate, needed by storage nodes with TLS, e.g. for health (default: $${SECURITY_ENV.tlsCert})`)
    .option('--tls-key <file>', `private key of --tls-cert (default: $${SECURITY_ENV.tlsKey})`);
}

/** Resolves flags over environment; a problem is returned as a usage message. */
export function securityOf(flags: SecurityFlags, env: NodeJS.ProcessEnv): CliSecurity | string {
  const pick = (flag: string | undefined, name: keyof typeof SECURITY_ENV) => flag ?? (env[SECURITY_ENV[name]] || undefined);
  if (flags.token !== undefined && flags.tokenFile !== undefined) return '--token and --token-file cannot be combined';
  // A flag beats the environment; a token beats a token file.
  const source: { token: string } | { file: string; what: string } | undefined =
    flags.token !== undefined ? { token: flags.token }
    : flags.tokenFile !== undefined ? { file: flags.tokenFile, what: '--token-file' }
    : env[SECURITY_ENV.token] ? { token: env[SECURITY_ENV.token]! }
    : env[SECURITY_ENV.tokenFile] ? { file: env[SECURITY_ENV.tokenFile]!, what: SECURITY_ENV.tokenFile }
    : undefined;
  let token: string | undefined;
  if (source && 'token' in source) token = source.token;
  else if (source) {
    try {
      token = readFileSync(source.file, 'utf8').trim();
    } catch (err) {
      return `cannot read ${source.what} ${source.file}: ${(err as Error).message}`;
    }
  }
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) return 'the access token (--token) must be printable ASCII without spaces';
  const ca = pick(flags.tlsCa, 'tlsCa');
  const cert = pick(flags.tlsCert, 'tlsCert');
  const key = pick(flags.tlsKey, 'tlsKey');
  const out: CliSecurity = token !== undefined ? { token } : {};
  if (!flags.tls && ca === undefined) return out;
  if ((cert === undefined) !== (key === undefined)) return '--tls-cert and --tls-key go together (or RINGKV_TLS_CERT and RINGKV_TLS_KEY)';
  out.tls = { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined && key !== undefined ? { cert, key } : {}) };
  return out;
}
