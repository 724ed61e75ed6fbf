import { ErrorCode, RingKvError } from './errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Parses "host:port" or "[v6]:port"; throws INVALID_ARGUMENT naming `what`. */
export function parseHostPort(text: string, what = 'address'): HostPort {
  const bad = (why: string) =>
    new RingKvError(ErrorCode.INVALID_ARGUMENT, `invalid ${what} "${text}": ${why} (expected HOST:PORT)`);
  if (typeof text !== 'string' || text.length === 0) throw bad('empty');
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw bad('not HOST:PORT');
  const port = Number(m[3]);
  if (port > 65535) throw bad('port out of range');
  const host = m[1] ?? m[2]!;
  if (!m[1] && !/^[A-Za-z0-9.-]+$/.test(host)) throw bad('bad host name');
  return { host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const SHARD_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function validateShardId(id: string): string {
  if (!SHARD_ID.test(id)) {
    throw new RingKvError(
      ErrorCode.INVALID_ARGUMENT,
      `invalid shard id "${id}": use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return id;
}
