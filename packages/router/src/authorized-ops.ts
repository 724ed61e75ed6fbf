import type { Op__Output, OpResult } from '@ringkv/core';
import { allows, describeOp, permissionError, permissionOfOp, type Caller } from './access.js';
import { errorResult } from './forwarder.js';

/**
 * Runs the operations of one KV.Execute call or Pipeline frame that the caller may run; each
 * one it may not gets its own PERMISSION_DENIED result and is never forwarded. The caller is
 * fixed when the call (or stream) starts, so later frames cannot gain rights.
 */
export async function executeAs(
  caller: Caller, ops: Op__Output[], run: (ops: Op__Output[]) => Promise<OpResult[]>,
): Promise<OpResult[]> {
  const denied = ops.map((op) => !allows(caller, permissionOfOp(op)));
  if (!denied.includes(true)) return run(ops);
  const allowed = ops.filter((_, i) => !denied[i]);
  const results = allowed.length > 0 ? await run(allowed) : [];
  let next = 0;
  return ops.map((op, i) =>
    denied[i] ? errorResult(permissionError(caller, permissionOfOp(op), describeOp(op))) : results[next++]!);
}
