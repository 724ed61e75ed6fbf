import { describe, expect, it } from 'vitest';
import { HistoryRecorder, checkHistory, checkKey, type OpResult, type Operation, type RegisterOp } from './checker.js';

/** Hand-made histories: `op(client, start, end, call, result)` on key "k" unless given. */
let nextId = 0;
function op(client: number, start: number, end: number, call: RegisterOp, result: OpResult | 'fail' | 'info', key = 'k'): Operation {
  const base = { id: nextId++, client, key, op: call, start };
  if (result === 'fail') return { ...base, end, outcome: 'fail' };
  if (result === 'info') return { ...base, end: Infinity, outcome: 'info' };
  return { ...base, end, outcome: 'ok', result };
}
const read = (value?: string, version?: bigint): OpResult => ({ kind: 'read', value, ...(version !== undefined ? { version } : {}) });
const written = (version: bigint): OpResult => ({ kind: 'written', version });
const conflict: OpResult = { kind: 'conflict' };
const deleted = (existed?: boolean): OpResult => ({ kind: 'deleted', ...(existed !== undefined ? { existed } : {}) });
const W = (value: string): RegisterOp => ({ kind: 'write', value });
const R: RegisterOp = { kind: 'read' };
const CAS = (expectedVersion: bigint, value: string): RegisterOp => ({ kind: 'cas', expectedVersion, value });
const D: RegisterOp = { kind: 'delete' };

const verdict = (ops: Operation[], options?: Parameters<typeof checkKey>[2]) => checkKey('k', ops, options).result;

describe('linearizability checker: linearizable histories pass', () => {
  it('sequential writes and reads', () => {
    expect(verdict([
      op(1, 0, 1, R, read(undefined)),
      op(1, 2, 3, W('a'), written(10n)),
      op(2, 4, 5, R, read('a', 10n)),
      op(1, 6, 7, W('b'), written(11n)),
      op(2, 8, 9, R, read('b')),
    ])).toBe('ok');
  });

  it('a read concurrent with a write may see the old or the new value', () => {
    const w = () => op(1, 0, 1, W('a'), written(1n));
    for (const seen of ['a', 'b']) {
      expect(verdict([w(), op(1, 2, 10, W('b'), written(2n)), op(2, 3, 4, R, read(seen))]), seen).toBe('ok');
    }
    // But not the state before the completed write 'a'.
    expect(verdict([w(), op(1, 2, 10, W('b'), written(2n)), op(2, 3, 4, R, read(undefined))])).toBe('violation');
  });

  it('two concurrent writes may be ordered either way, as long as later reads agree', () => {
    const ws = () => [op(1, 0, 10, W('a'), written(1n)), op(2, 0, 10, W('b'), written(2n))];
    expect(verdict([...ws(), op(3, 11, 12, R, read('b')), op(3, 13, 14, R, read('b'))])).toBe('ok');
    // Versions order the writes too: 'a' (v1) before 'b' (v2), so only 'b' can be last.
    expect(verdict([...ws(), op(3, 11, 12, R, read('a'))])).toBe('violation');
    expect(verdict([...ws(), op(3, 11, 12, R, read('a'))], { monotonicVersions: false })).toBe('ok');
  });

  it('a write with unknown outcome may take effect late, or never', () => {
    const base = () => [op(1, 0, 1, W('a'), written(1n)), op(2, 2, 3, W('x'), 'info')];
    expect(verdict([...base(), op(3, 4, 5, R, read('a')), op(3, 6, 7, R, read('x')), op(3, 8, 9, R, read('x'))])).toBe('ok');
    expect(verdict([...base(), op(3, 4, 5, R, read('a')), op(3, 100, 101, R, read('a'))])).toBe('ok');
    // Seen once, it stays: a later read cannot go back to 'a'.
    expect(verdict([...base(), op(3, 4, 5, R, read('x')), op(3, 6, 7, R, read('a'))])).toBe('violation');
  });

  it('a definitely failed write has no effect', () => {
    expect(verdict([op(1, 0, 1, W('a'), written(1n)), op(2, 2, 3, W('x'), 'fail'), op(3, 4, 5, R, read('a'))])).toBe('ok');
    expect(verdict([op(1, 0, 1, W('a'), written(1n)), op(2, 2, 3, W('x'), 'fail'), op(3, 4, 5, R, read('x'))])).toBe('violation');
  });

  it('CAS succeeds on the current version and conflicts on any other', () => {
    expect(verdict([
      op(1, 0, 1, W('a'), written(5n)),
      op(1, 2, 3, CAS(5n, 'b'), written(6n)),
      op(2, 4, 5, CAS(5n, 'c'), conflict),
      op(2, 6, 7, R, read('b', 6n)),
      op(1, 8, 9, CAS(6n, 'd'), written(9n)),
      op(2, 10, 11, R, read('d')),
    ])).toBe('ok');
  });

  it('two concurrent CAS on one version: one wins, the other conflicts', () => {
    expect(verdict([
      op(1, 0, 1, W('a'), written(5n)),
      op(1, 2, 10, CAS(5n, 'b'), conflict),
      op(2, 2, 10, CAS(5n, 'c'), written(6n)),
      op(3, 11, 12, R, read('c')),
    ])).toBe('ok');
  });

  it('a CAS with unknown outcome applies only if its version matched', () => {
    const base = () => [op(1, 0, 1, W('a'), written(5n)), op(2, 2, 3, CAS(5n, 'b'), 'info')];
    expect(verdict([...base(), op(3, 4, 5, R, read('b'))])).toBe('ok');
    expect(verdict([...base(), op(3, 4, 5, R, read('a'))])).toBe('ok');
    // Version 4 was never current: the CAS cannot have applied.
    expect(verdict([op(1, 0, 1, W('a'), written(5n)), op(2, 2, 3, CAS(4n, 'b'), 'info'), op(3, 4, 5, R, read('b'))])).toBe('violation');
  });

  it("a CAS on the version of an unknown-outcome write, learnt from a read, can succeed", () => {
    expect(verdict([
      op(1, 0, 1, W('a'), written(5n)),
      op(2, 2, 3, W('x'), 'info'),
      op(3, 4, 5, R, read('x', 7n)),
      op(3, 6, 7, CAS(7n, 'y'), written(8n)),
      op(3, 8, 9, R, read('y', 8n)),
    ])).toBe('ok');
  });

  it('deletes make the key absent; existed reports whether it was there', () => {
    expect(verdict([
      op(1, 0, 1, D, deleted(false)),
      op(1, 2, 3, W('a'), written(1n)),
      op(1, 4, 5, D, deleted(true)),
      op(2, 6, 7, R, read(undefined)),
      op(2, 8, 9, CAS(1n, 'b'), conflict),
      op(1, 10, 11, W('c'), written(3n)),
      op(2, 12, 13, R, read('c')),
    ])).toBe('ok');
  });

  it('operations at exactly the same instant are treated as concurrent', () => {
    expect(verdict([op(1, 0, 5, W('a'), written(1n)), op(2, 5, 6, R, read(undefined))])).toBe('ok');
  });

  it('keys are independent', () => {
    const res = checkHistory([
      op(1, 0, 1, W('a'), written(1n), 'k1'),
      op(1, 2, 3, W('b'), written(1n), 'k2'),
      op(2, 4, 5, R, read('a'), 'k1'),
      op(2, 6, 7, R, read('b'), 'k2'),
    ]);
    expect(res.ok).toBe(true);
    expect(res.keys.map((k) => k.key)).toEqual(['k1', 'k2']);
  });

  it('random histories of a real atomic register (with concurrency and unknown outcomes) pass, quickly', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const ops = simulate(seed, { clients: 6, opsPerClient: 150 });
      const res = checkKey('k', ops);
      expect(res.result, `seed ${seed}: ${res.explanation ?? ''}`).toBe('ok');
    }
    const started = performance.now();
    const big = checkKey('k', simulate(99, { clients: 6, opsPerClient: 1_000 }));
    expect(big.result).toBe('ok');
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('linearizability checker: classic violations fail', () => {
  it('stale read after a completed write', () => {
    const res = checkKey('k', [
      op(1, 0, 1, W('a'), written(1n)),
      op(1, 2, 3, W('b'), written(2n)),
      op(2, 4, 5, R, read('a')),
    ]);
    expect(res.result).toBe('violation');
    expect(res.explanation).toContain('read() -> "a"');
  });

  it('lost write: a completed write is not visible to a later read', () => {
    expect(verdict([op(1, 0, 1, W('a'), written(1n)), op(2, 2, 3, R, read(undefined))])).toBe('violation');
  });

  it('lost write: a later read returns the value before it', () => {
    expect(verdict([
      op(1, 0, 1, W('a'), written(1n)),
      op(2, 2, 3, R, read('a')),
      op(1, 4, 5, W('b'), written(2n)),
      op(2, 6, 7, R, read('a')),
    ])).toBe('violation');
  });

  it('read of a value never written', () => {
    expect(verdict([op(1, 0, 1, W('a'), written(1n)), op(2, 0, 3, R, read('zzz'))])).toBe('violation');
  });

  it('read of a value whose (unknown-outcome) write had not been invoked yet', () => {
    expect(verdict([op(2, 0, 1, R, read('x')), op(1, 2, 3, W('x'), 'info')])).toBe('violation');
  });

  it('CAS success on the wrong version', () => {
    expect(verdict([
      op(1, 0, 1, W('a'), written(1n)),
      op(1, 2, 3, W('b'), written(2n)),
      op(2, 4, 5, CAS(1n, 'c'), written(3n)),
    ])).toBe('violation');
  });

  it('CAS success on an absent key', () => {
    expect(verdict([op(1, 0, 1, W('a'), written(1n)), op(1, 2, 3, D, deleted(true)), op(2, 4, 5, CAS(1n, 'c'), written(3n))])).toBe('violation');
  });

  it('CAS conflict although the version was current', () => {
    expect(verdict([op(1, 0, 1, W('a'), written(1n)), op(2, 2, 3, CAS(1n, 'c'), conflict)])).toBe('violation');
  });

  it('two CAS on the same version both succeed', () => {
    expect(verdict([
      op(1, 0, 1, W('a'), written(1n)),
      op(1, 2, 10, CAS(1n, 'b'), written(2n)),
      op(2, 2, 10, CAS(1n, 'c'), written(3n)),
    ])).toBe('violation');
  });

  it('reads flip between two values after both writes completed', () => {
    expect(verdict([
      op(1, 0, 10, W('a'), written(1n)),
      op(2, 0, 10, W('b'), written(2n)),
      op(3, 11, 12, R, read('b')),
      op(4, 13, 14, R, read('a')),
    ], { monotonicVersions: false })).toBe('violation');
  });

  it('a deleted value comes back (resurrection)', () => {
    expect(verdict([op(1, 0, 1, W('a'), written(1n)), op(1, 2, 3, D, deleted(true)), op(2, 4, 5, R, read('a'))])).toBe('violation');
  });

  it('delete reports the wrong existence', () => {
    expect(verdict([op(1, 0, 1, W('a'), written(1n)), op(1, 2, 3, D, deleted(false))])).toBe('violation');
  });

  it('right value with the wrong version', () => {
    expect(verdict([op(1, 0, 1, W('a'), written(1n)), op(2, 2, 3, R, read('a', 7n))])).toBe('violation');
  });

  it('versions that go backwards', () => {
    const ops = () => [op(1, 0, 1, W('a'), written(5n)), op(1, 2, 3, W('b'), written(3n))];
    expect(verdict(ops())).toBe('violation');
    expect(verdict(ops(), { monotonicVersions: false })).toBe('ok');
  });

  it('an unknown-outcome write read with two different versions', () => {
    expect(verdict([op(1, 0, 1, W('x'), 'info'), op(2, 2, 3, R, read('x', 4n)), op(2, 4, 5, R, read('x', 5n))])).toBe('violation');
  });

  it('one bad key fails the history and is named', () => {
    const res = checkHistory([
      op(1, 0, 1, W('a'), written(1n), 'good'),
      op(2, 2, 3, R, read('a'), 'good'),
      op(1, 0, 1, W('a'), written(1n), 'bad'),
      op(2, 2, 3, R, read(undefined), 'bad'),
    ]);
    expect(res.ok).toBe(false);
    expect(res.violations.map((v) => v.key)).toEqual(['bad']);
  });

  it('a violation buried in a long random history is found', () => {
    const ops = simulate(7, { clients: 5, opsPerClient: 200, unknownRate: 0 });
    expect(checkKey('k', ops).result).toBe('ok');
    // Make a late read return the value of the first write (stale: later writes completed before it).
    const firstWrite = ops.filter((o) => o.op.kind === 'write' && o.outcome === 'ok').sort((a, b) => a.end - b.end)[0]!;
    const lastRead = ops.filter((o) => o.op.kind === 'read' && o.outcome === 'ok').sort((a, b) => b.start - a.start)[0]!;
    const value = (firstWrite.op as { value: string }).value;
    expect((lastRead.result as { value?: string }).value).not.toBe(value);
    lastRead.result = { kind: 'read', value };
    expect(checkKey('k', ops).result).toBe('violation');
  });
});

describe('history recorder', () => {
  it('joins invocations with completions; an invocation never completed counts as unknown', () => {
    let t = 0;
    const h = new HistoryRecorder(() => t++);
    const a = h.invoke(1, 'k', W('a'));
    const b = h.invoke(2, 'k', W('b'));
    h.ok(a, written(1n));
    const c = h.invoke(1, 'k', R);
    h.ok(c, read('a'));
    const d = h.invoke(3, 'k', CAS(9n, 'z'));
    h.fail(d, 'TRY_AGAIN');
    expect(h.pending).toBe(1);
    const ops = h.operations();
    expect(ops.find((o) => o.id === b)).toMatchObject({ outcome: 'info', end: Infinity });
    expect(ops.find((o) => o.id === d)).toMatchObject({ outcome: 'fail', error: 'TRY_AGAIN' });
    expect(checkHistory(h.events).ok).toBe(true);
    expect(() => h.ok(a, written(2n))).toThrow(/not open/);
  });

  it('refuses results of the wrong kind', () => {
    const h = new HistoryRecorder();
    const a = h.invoke(1, 'k', R);
    h.ok(a, written(1n));
    expect(() => h.operations()).toThrow(/read cannot return written/);
  });
});

/**
 * A history produced by a real atomic register: each client runs operations one after another,
 * each takes effect at a random instant inside its interval; a fraction of writes end with an
 * unknown outcome (applied or not).
 */
function simulate(seed: number, { clients, opsPerClient, unknownRate = 0.03 }: { clients: number; opsPerClient: number; unknownRate?: number }): Operation[] {
  let s = seed * 2654435761;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  interface Sim { op: Operation; lp: number; applied: boolean }
  const sims: Sim[] = [];
  let id = 0;
  for (let c = 0; c < clients; c++) {
    let t = rnd() * 3;
    for (let i = 0; i < opsPerClient; i++) {
      const start = t;
      const lp = start + rnd() * 4;
      const end = lp + rnd() * 4;
      t = end + rnd() * 2;
      const p = rnd();
      const call: RegisterOp =
        p < 0.45 ? { kind: 'read' }
        : p < 0.75 ? { kind: 'write', value: `c${c}-${i}` }
        : p < 0.95 ? { kind: 'cas', expectedVersion: BigInt(1 + Math.floor(rnd() * (id / clients + 2))), value: `c${c}-${i}` }
        : { kind: 'delete' };
      const unknown = call.kind !== 'read' && rnd() < unknownRate;
      sims.push({ op: { id: id++, client: c, key: 'k', op: call, start, end: unknown ? Infinity : end, outcome: unknown ? 'info' : 'ok' }, lp, applied: !unknown || rnd() < 0.5 });
    }
  }
  let value: string | undefined;
  let version = 0n;
  let exists = false;
  for (const x of [...sims].sort((a, b) => a.lp - b.lp)) {
    const o = x.op;
    if (!x.applied) continue;
    switch (o.op.kind) {
      case 'read':
        o.result = { kind: 'read', value: exists ? value : undefined, ...(exists ? { version } : {}) };
        break;
      case 'write':
        version += 1n;
        value = o.op.value;
        exists = true;
        if (o.outcome === 'ok') o.result = { kind: 'written', version };
        break;
      case 'cas':
        if (exists && version === o.op.expectedVersion) {
          version += 1n;
          value = o.op.value;
          if (o.outcome === 'ok') o.result = { kind: 'written', version };
        } else if (o.outcome === 'ok') o.result = { kind: 'conflict' };
        break;
      case 'delete':
        if (o.outcome === 'ok') o.result = { kind: 'deleted', existed: exists };
        version += 1n; // the tombstone's version
        exists = false;
        break;
    }
  }
  return sims.map((x) => x.op);
}
