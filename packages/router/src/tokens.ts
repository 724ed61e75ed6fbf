import { readFileSync } from 'node:fs';
import { ErrorCode, RingKvError } from '@ringkv/core';

/** What a token may do; see README "Security" for the table. */
export type Role = 'read-only' | 'read-write' | 'admin';

export const ROLES: readonly Role[] = ['read-only', 'read-write', 'admin'];

export interface TokenEntry {
  token: string;
  role: Role;
}

/** Shortest token accepted: a bearer secret must not be guessable. */
export const MIN_TOKEN_LENGTH = 16;

/** Printable ASCII without spaces: what fits after `Bearer ` in an HTTP/2 header. */
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

/**
 * Parses a tokens file: `{"tokens":[{"token":"...","role":"read-write"|"read-only"|"admin"}]}`.
 * Throws INVALID_ARGUMENT naming `source` and the entry; messages never include a token.
 */
export function parseTokens(text: string, source: string): TokenEntry[] {
  const bad = (why: string) => new RingKvError(ErrorCode.INVALID_ARGUMENT, `${source}: ${why}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // JSON.parse quotes the text around the error, which may be a token: say no more.
    throw bad('not valid JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw bad('expected an object {"tokens": [...]}');
  const extra = Object.keys(doc).filter((k) => k !== 'tokens');
  if (extra.length > 0) throw bad(`unknown field ${JSON.stringify(extra[0])} (only "tokens")`);
  const list = (doc as { tokens?: unknown }).tokens;
  if (!Array.isArray(list)) throw bad('"tokens" must be an array of {"token", "role"}');
  if (list.length === 0) throw bad('"tokens" is empty: nobody could call the router (leave out --tokens to turn access control off)');
  const seen = new Map<string, number>();
  return list.map((item: unknown, i): TokenEntry => {
    const where = `tokens[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw bad(`${where} must be an object {"token", "role"}`);
    const unknown = Object.keys(item).filter((k) => k !== 'token' && k !== 'role');
    if (unknown.length > 0) throw bad(`${where}: unknown field ${JSON.stringify(unknown[0])} (only "token" and "role")`);
    const { token, role } = item as { token?: unknown; role?: unknown };
    if (typeof token !== 'string') throw bad(`${where}.token must be a string`);
    if (token.length < MIN_TOKEN_LENGTH) throw bad(`${where}.token is shorter than ${MIN_TOKEN_LENGTH} characters`);
    if (!TOKEN_CHARS.test(token)) throw bad(`${where}.token must be printable ASCII without spaces`);
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
      throw bad(`${where}.role must be one of ${ROLES.map((r) => `"${r}"`).join(', ')}`);
    }
    const dup = seen.get(token);
    if (dup !== undefined) throw bad(`${where}.token is the same as tokens[${dup}].token`);
    seen.set(token, i);
    return { token, role: role as Role };
  });
}

/** Reads and parses `--tokens FILE`; errors name the flag. */
export function loadTokensFile(path: string): TokenEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `cannot read --tokens ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseTokens(text, `--tokens ${path}`);
}
