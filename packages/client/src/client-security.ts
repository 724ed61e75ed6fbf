import { readFileSync } from 'node:fs';
import { InterceptingCall, credentials, type ChannelCredentials, type ChannelOptions, type Interceptor } from '@grpc/grpc-js';
import { ErrorCode, RingKvError } from '@ringkv/core';
import type { ClientTlsOptions } from './types.js';

/** TLS and token as the transport uses them: PEM bytes loaded, checked once at connect(). */
export interface ClientSecurity {
  credentials: ChannelCredentials;
  /** Extra channel options (the TLS server name override). */
  channelOptions: ChannelOptions;
  /** Adds `authorization: Bearer <token>` to every call; empty without a token. */
  interceptors: Interceptor[];
  /** Whether the channel uses TLS (for error messages). */
  tls: boolean;
}

function invalid(message: string): RingKvError {
  return new RingKvError(ErrorCode.INVALID_ARGUMENT, message);
}

/** PEM given inline (a Buffer, or a string holding `-----BEGIN`), else a path to a PEM file. */
function pem(value: string | Buffer | undefined, name: string): Buffer | undefined {
  if (value === undefined) return undefined;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value !== 'string' || value === '') throw invalid(`\`${name}\` must be PEM text, a Buffer or a file path`);
  if (value.includes('-----BEGIN ')) return Buffer.from(value, 'utf8');
  try {
    return readFileSync(value);
  } catch (err) {
    throw invalid(`cannot read \`${name}\` file ${value}: ${(err as Error).message}`);
  }
}

/** Checks a token without ever putting it in a message. */
export function checkToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token)) {
    throw invalid('`token` must be a non-empty string of printable ASCII without spaces');
  }
  return token;
}

export function clientSecurity(tls: ClientTlsOptions | undefined, token: string | undefined): ClientSecurity {
  const interceptors = token === undefined ? [] : [bearer(token)];
  if (tls === undefined) return { credentials: credentials.createInsecure(), channelOptions: {}, interceptors, tls: false };
  if (tls === null || typeof tls !== 'object') throw invalid('`tls` must be an object { ca?, cert?, key?, serverName? }');
  const cert = pem(tls.cert, 'tls.cert');
  const key = pem(tls.key, 'tls.key');
  if ((cert === undefined) !== (key === undefined)) throw invalid('`tls.cert` and `tls.key` go together: give both or neither');
  if (tls.serverName !== undefined && (typeof tls.serverName !== 'string' || tls.serverName === '')) {
    throw invalid('`tls.serverName` must be a non-empty host name');
  }
  return {
    credentials: credentials.createSsl(pem(tls.ca, 'tls.ca') ?? null, key ?? null, cert ?? null),
    channelOptions: tls.serverName ? { 'grpc.ssl_target_name_override': tls.serverName } : {},
    interceptors,
    tls: true,
  };
}

function bearer(token: string): Interceptor {
  const value = `Bearer ${token}`;
  return (options, nextCall) => new InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      metadata.set('authorization', value);
      next(metadata, listener);
    },
  });
}
