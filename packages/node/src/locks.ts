import { ErrorCode, RingKvError, type LockOp__Output, type StoredRecord } from '@ringkv/core';
import { OK } from './storage-format.js';
import type { Updater } from './write-apply.js';

/**
 * A lock's record value: 'L' | format (1) | token u64 | lease end (ms since the epoch) u64 |
 * held u8 | owner (UTF-8). The record is never deleted and never expires on its own: a
 * released or lapsed lock keeps its last token, so the next acquire's version (its token) is
 * above it on this key, on any shard it migrates to, and after restarts.
 */
const MAGIC = 0x4c;
const FORMAT = 1;
const HEADER = 19;

export interface LockState {
  token: bigint;
  leaseEndMs: number;
  held: boolean;
  owner: string;
}

export function encodeLockState(s: LockState): Buffer {
  const owner = Buffer.from(s.owner, 'utf8');
  const out = Buffer.allocUnsafe(HEADER + owner.length);
  out[0] = MAGIC;
  out[1] = FORMAT;
  out.writeBigUInt64BE(s.token, 2);
  out.writeBigUInt64BE(BigInt(s.leaseEndMs), 10);
  out[18] = s.held ? 1 : 0;
  owner.copy(out, HEADER);
  return out;
}

export function decodeLockState(value: Buffer): LockState {
  if (value.length < HEADER || value[0] !== MAGIC || value[1] !== FORMAT) {
    throw new RingKvError(ErrorCode.INTERNAL, `corrupt lock record (${value.length} bytes)`);
  }
  return {
    token: value.readBigUInt64BE(2),
    leaseEndMs: Number(value.readBigUInt64BE(10)),
    held: value[18] === 1,
    owner: value.subarray(HEADER).toString('utf8'),
  };
}

/** The lock's state, if it has ever been acquired (released and lapsed ones included). */
function stateOf(current: StoredRecord | undefined): LockState | undefined {
  if (!current || current.tombstone) return undefined;
  return decodeLockState(current.value);
}

function heldAt(s: LockState | undefined, nowMs: number): s is LockState {
  return s !== undefined && s.held && s.leaseEndMs > nowMs;
}

/**
 * The read-modify-write of one lock operation, applied atomically on the lock key's owner:
 * - ACQUIRE: free (never held, released, lease over) -> held by `owner`; the token is the
 *   version of this write. Held -> LOCK_HELD with the holder and the time left.
 * - RENEW: held with this token -> lease restarts at ttl from now. Else LOCK_NOT_HELD.
 * - RELEASE: held with this token -> free (the token stays in the record). Else LOCK_NOT_HELD.
 * - STATUS: no write; found = held now.
 * Leases are judged by the owner shard's clock at the moment of the write.
 */
export function lockUpdater(op: LockOp__Output): Updater {
  return (current, now) => {
    const state = stateOf(current);
    const held = heldAt(state, now);
    const token = BigInt(op.token || '0');
    const ttl = Number(op.ttlMs);
    const reply = (s: LockState, version: bigint) => ({
      ...OK, found: s.held && s.leaseEndMs > now, version: s.token.toString(), owner: s.owner,
      remainingMs: String(Math.max(0, s.leaseEndMs - now)), expiresAtMs: String(s.leaseEndMs), id: version.toString(),
    });
    switch (op.action) {
      case 'STATUS':
        return { reply: state ? reply(state, current!.version) : OK };
      case 'ACQUIRE': {
        if (held) {
          return {
            error: new RingKvError(ErrorCode.LOCK_HELD,
              `lock "${op.name}" is held by ${state.owner || '(unnamed)'} for another ${state.leaseEndMs - now} ms (token ${state.token})`),
            extra: { remainingMs: String(state.leaseEndMs - now), owner: state.owner },
          };
        }
        const next = (version: bigint): LockState => ({ token: version, leaseEndMs: now + ttl, held: true, owner: op.owner });
        return { write: (v) => ({ value: encodeLockState(next(v)) }), reply: (v) => reply(next(v), v) };
      }
      case 'RENEW':
      case 'RELEASE': {
        if (!held || state.token !== token) {
          const why = !state || !state.held ? 'it is not held'
            : state.token !== token ? `it is held with token ${state.token}, not ${token}`
              : `its lease ended ${now - state.leaseEndMs} ms ago`;
          return { error: new RingKvError(ErrorCode.LOCK_NOT_HELD, `cannot ${op.action.toLowerCase()} lock "${op.name}": ${why}`) };
        }
        const next: LockState = op.action === 'RENEW'
          ? { ...state, leaseEndMs: now + ttl }
          : { ...state, held: false, leaseEndMs: now };
        return { write: () => ({ value: encodeLockState(next) }), reply: (v) => reply(next, v) };
      }
      default:
        return { error: new RingKvError(ErrorCode.INVALID_ARGUMENT, `unknown lock action ${String(op.action)}`) };
    }
  };
}
