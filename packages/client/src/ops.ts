import { ErrorCode, RingKvError, type Condition, type Op } from '@ringkv/core';
import { keyBytes, valueBytes } from './encoding.js';
import { checkVersion, ttlField, type ReadTarget } from './options.js';
import type { BatchPutEntry, DeleteOptions, Key, PutOptions, Value } from './types.js';

// Builders of wire operations: all argument checks happen here, before anything is queued.

/** A get; `read` (from readTarget) sends it to a replica, its absence to the primary. */
export function getOp(key: Key, what = 'key', read?: ReadTarget): Op {
  const bytes = keyBytes(key, what);
  return { get: read ? { key: bytes, readFrom: read.readFrom, replicaSelection: read.replicaSelection } : { key: bytes } };
}

export function putOp(key: Key, value: Value, options: PutOptions, what = ''): Op {
  const condition = writeCondition(options.ifVersion, options.ifAbsent);
  return {
    put: {
      key: keyBytes(key, `${what}key`),
      value: valueBytes(value, `${what}value`),
      ttlMs: ttlField(options.ttlMs, `${what}ttlMs`),
      ...(condition ? { condition } : {}),
    },
  };
}

export function batchPutOp(entry: BatchPutEntry, index: number): Op {
  if (entry === null || typeof entry !== 'object') {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `entries[${index}] must be an object { key, value, ttlMs? }`);
  }
  return putOp(entry.key, entry.value, entry.ttlMs === undefined ? {} : { ttlMs: entry.ttlMs }, `entries[${index}].`);
}

export function deleteOp(key: Key, options: DeleteOptions): Op {
  const condition = writeCondition(options.ifVersion, undefined);
  return { delete: { key: keyBytes(key), ...(condition ? { condition } : {}) } };
}

function writeCondition(ifVersion: bigint | undefined, ifAbsent: boolean | undefined): Condition | undefined {
  const version = checkVersion(ifVersion);
  if (ifAbsent !== undefined && typeof ifAbsent !== 'boolean') {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, '`ifAbsent` must be a boolean');
  }
  if (version !== undefined && ifAbsent) {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, '`ifVersion` and `ifAbsent` cannot be combined: pass one of them');
  }
  if (version !== undefined) return { ifVersion: version.toString() };
  if (ifAbsent) return { ifAbsent: true };
  return undefined;
}
