import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { ErrorCode, RingKvError, type Op__Output } from '@ringkv/core';
import type { Role, TokenEntry } from './tokens.js';

/** What a call needs: reading data and status, writing data (locks and queues too), or changing membership. */
export type Permission = 'read' | 'write' | 'admin';

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  'read-only': new Set(['read']),
  'read-write': new Set(['read', 'write']),
  admin: new Set(['read', 'write', 'admin']),
};

const NEEDED_ROLE: Record<Permission, string> = {
  read: 'any token',
  write: 'a read-write or admin token',
  admin: 'an admin token',
};

/** The metadata key of `Bearer <token>`. */
export const AUTHORIZATION_HEADER = 'authorization';

/** What one operation of KV.Execute / KV.Pipeline needs: lock status and queue stats only read. */
export function permissionOfOp(op: Op__Output): Permission {
  switch (op.op) {
    case 'get': return 'read';
    case 'lock': return op.lock?.action === 'STATUS' ? 'read' : 'write';
    case 'queue': return op.queue?.action === 'STATS' ? 'read' : 'write';
    default: return 'write';
  }
}

/** The name of an operation in a refusal, e.g. `put`, `lock acquire`. */
export function describeOp(op: Op__Output): string {
  if (op.op === 'lock') return `lock ${String(op.lock?.action ?? '').toLowerCase()}`;
  if (op.op === 'queue') return `queue ${String(op.queue?.action ?? '').toLowerCase()}`;
  return op.op ?? 'an empty op';
}

/** An authenticated caller: what its token allows. */
export interface Caller {
  /** undefined when access control is off (no --tokens): everything is allowed. */
  readonly role: Role | undefined;
}

export const OPEN_CALLER: Caller = Object.freeze({ role: undefined });

export function allows(caller: Caller, needed: Permission): boolean {
  return caller.role === undefined || GRANTS[caller.role].has(needed);
}

/** The PERMISSION_DENIED a caller gets for `what` without the permission `needed`. */
export function permissionError(caller: Caller, needed: Permission, what: string): RingKvError {
  return new RingKvError(ErrorCode.PERMISSION_DENIED, `a ${caller.role ?? 'open'} token may not ${what}: that needs ${NEEDED_ROLE[needed]}`);
}

/** Throws PERMISSION_DENIED unless the caller may do `what`. */
export function requirePermission(caller: Caller, needed: Permission, what: string): void {
  if (!allows(caller, needed)) throw permissionError(caller, needed, what);
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * The router's token check. Tokens are kept as SHA-256 digests and a presented token is
 * compared with every one of them in constant time (equal-length digests, no early exit), so
 * timing tells nothing about how much of a guess matched. Nothing here logs or echoes a token.
 */
export class AccessControl {
  #entries: Array<{ digest: Buffer; role: Role }> | undefined;

  /** `tokens` undefined: access control off, every call is allowed. */
  constructor(tokens: readonly TokenEntry[] | undefined) {
    this.#entries = undefined;
    if (tokens) this.replace(tokens);
  }

  get enabled(): boolean {
    return this.#entries !== undefined;
  }

  /** Swaps the token list (a reload); calls already authenticated keep their role. */
  replace(tokens: readonly TokenEntry[]): void {
    this.#entries = tokens.map((t) => ({ digest: digest(t.token), role: t.role }));
  }

  /** The caller of a call with this metadata; UNAUTHENTICATED if the token is missing or unknown. */
  authenticate(metadata: Metadata): Caller {
    const entries = this.#entries;
    if (!entries) return OPEN_CALLER;
    const values = metadata.get(AUTHORIZATION_HEADER);
    const header = values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
    const m = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
    if (!m) {
      throw new RingKvError(ErrorCode.UNAUTHENTICATED,
        'no access token: the router requires `authorization: Bearer <token>` (SDK `token`, CLI --token or RINGKV_TOKEN)');
    }
    const presented = digest(m[1]!);
    let role: Role | undefined;
    for (const e of entries) {
      if (timingSafeEqual(e.digest, presented) && role === undefined) role = e.role;
    }
    if (role === undefined) throw new RingKvError(ErrorCode.UNAUTHENTICATED, 'invalid access token');
    return { role };
  }
}
