import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { Op__Output, OpResult } from '@ringkv/core';
import { AccessControl, permissionOfOp, requirePermission, type Caller } from '../src/access.js';
import { executeAs } from '../src/authorized-ops.js';

const TOKENS = [
  { token: 'read-only-token-0123456789', role: 'read-only' as const },
  { token: 'read-write-token-0123456789', role: 'read-write' as const },
  { token: 'admin-token-0123456789abcdef', role: 'admin' as const },
];

function md(value?: string): Metadata {
  const m = new Metadata();
  if (value !== undefined) m.set('authorization', value);
  return m;
}

const op = (o: Op__Output): Op__Output => o;
const get = op({ op: 'get', get: { key: Buffer.from('k'), readFrom: '', replicaSelection: '' } });
const put = op({ op: 'put', put: { key: Buffer.from('k'), value: Buffer.from('v'), ttlMs: '0', condition: null } });
const del = op({ op: 'delete', delete: { key: Buffer.from('k'), condition: null } });
const lock = (action: string) => op({ op: 'lock', lock: { name: 'l', action, owner: '', ttlMs: '0', token: '0' } as never });
const queue = (action: string) => op({ op: 'queue', queue: { name: 'q', action } as never });

describe('AccessControl.authenticate', () => {
  const access = new AccessControl(TOKENS);

  it('maps each token to its role; the scheme is case-insensitive', () => {
    expect(access.authenticate(md(`Bearer ${TOKENS[0]!.token}`)).role).toBe('read-only');
    expect(access.authenticate(md(`bearer ${TOKENS[1]!.token}`)).role).toBe('read-write');
    expect(access.authenticate(md(`Bearer ${TOKENS[2]!.token}`)).role).toBe('admin');
  });

  it.each([
    ['no header', undefined, /no access token/],
    ['an empty header', '', /no access token/],
    ['another scheme', `Basic ${TOKENS[2]!.token}`, /no access token/],
    ['a bare token', TOKENS[2]!.token, /no access token/],
    ['an unknown token', 'Bearer not-a-token-we-know-of', /invalid access token/],
    ['a prefix of a token', `Bearer ${TOKENS[2]!.token.slice(0, -1)}`, /invalid access token/],
    ['a token with a suffix', `Bearer ${TOKENS[2]!.token}x`, /invalid access token/],
  ])('refuses %s with UNAUTHENTICATED', (_what, header, message) => {
    expect(() => access.authenticate(md(header))).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED', message: expect.stringMatching(message) }));
  });

  it('refuses two authorization headers', () => {
    const m = md(`Bearer ${TOKENS[0]!.token}`);
    m.add('authorization', `Bearer ${TOKENS[2]!.token}`);
    expect(() => access.authenticate(m)).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
  });

  it('lets everything through when off (no --tokens), and a reload swaps the tokens', () => {
    const off = new AccessControl(undefined);
    expect(off.enabled).toBe(false);
    expect(off.authenticate(md()).role).toBeUndefined();
    expect(() => requirePermission(off.authenticate(md()), 'admin', 'add a shard')).not.toThrow();
    const reloaded = new AccessControl(TOKENS);
    reloaded.replace([{ token: 'a-brand-new-token-0123456789', role: 'admin' }]);
    expect(() => reloaded.authenticate(md(`Bearer ${TOKENS[2]!.token}`))).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    expect(reloaded.authenticate(md('Bearer a-brand-new-token-0123456789')).role).toBe('admin');
  });
});

describe('permissions', () => {
  it('reads are get, lock status and queue stats; everything else writes', () => {
    expect([get, lock('STATUS'), queue('STATS')].map(permissionOfOp)).toEqual(['read', 'read', 'read']);
    const writes = [put, del, lock('ACQUIRE'), lock('RENEW'), lock('RELEASE'), queue('PUSH'), queue('POP'), queue('ACK'), queue('NACK'), op({})];
    expect(writes.map(permissionOfOp)).toEqual(writes.map(() => 'write'));
  });

  it.each([
    ['read-only', ['read'], ['write', 'admin']],
    ['read-write', ['read', 'write'], ['admin']],
    ['admin', ['read', 'write', 'admin'], []],
  ] as const)('%s may %j and not %j', (role, ok, denied) => {
    const caller: Caller = { role };
    for (const p of ok) expect(() => requirePermission(caller, p, 'x')).not.toThrow();
    for (const p of denied) expect(() => requirePermission(caller, p, 'x')).toThrow(expect.objectContaining({ code: 'PERMISSION_DENIED' }));
  });
});

describe('executeAs: per-operation refusals', () => {
  const ok = (ops: Op__Output[]) => Promise.resolve(ops.map((o): OpResult => ({ errorCode: '', errorMessage: o.op ?? '', found: true })));

  it('forwards only what the caller may run and keeps the results in order', async () => {
    const forwarded: Op__Output[][] = [];
    const run = (ops: Op__Output[]) => {
      forwarded.push(ops);
      return ok(ops);
    };
    const results = await executeAs({ role: 'read-only' }, [get, put, lock('STATUS'), queue('PUSH'), get], run);
    expect(forwarded).toEqual([[get, lock('STATUS'), get]]);
    expect(results.map((r) => r.errorCode || r.errorMessage)).toEqual(['get', 'PERMISSION_DENIED', 'lock', 'PERMISSION_DENIED', 'get']);
    expect(results[1]!.errorMessage).toBe('a read-only token may not put: that needs a read-write or admin token');
    expect(results[3]!.errorMessage).toContain('queue push');
  });

  it('forwards nothing when nothing is allowed, and everything for read-write', async () => {
    let calls = 0;
    const run = (ops: Op__Output[]) => {
      calls++;
      return ok(ops);
    };
    expect((await executeAs({ role: 'read-only' }, [put, del], run)).map((r) => r.errorCode)).toEqual(['PERMISSION_DENIED', 'PERMISSION_DENIED']);
    expect(calls).toBe(0);
    expect((await executeAs({ role: 'read-write' }, [put, del, get], run)).map((r) => r.errorCode)).toEqual(['', '', '']);
    expect(calls).toBe(1);
  });
});
