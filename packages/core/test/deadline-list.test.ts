import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineList, type DeadlineEntry } from '@ringkv/core';

class Entry implements DeadlineEntry {
  prevByDeadline: DeadlineEntry | undefined = undefined;
  nextByDeadline: DeadlineEntry | undefined = undefined;
  constructor(readonly name: string, readonly deadline: number) {}
}

describe('DeadlineList', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  function list() {
    const expired: Array<{ name: string; at: number }> = [];
    const l = new DeadlineList<Entry>((e) => expired.push({ name: e.name, at: Date.now() }));
    return { l, expired };
  }

  it('expires every entry at its deadline, in deadline order, whatever the order of adding', () => {
    const { l, expired } = list();
    const now = Date.now();
    for (const [name, ms] of [['c', 300], ['a', 100], ['d', 300], ['b', 200]] as const) l.add(new Entry(name, now + ms));
    expect(l.size).toBe(4);
    vi.advanceTimersByTime(99);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual([{ name: 'a', at: now + 100 }]);
    vi.advanceTimersByTime(200);
    expect(expired).toEqual([
      { name: 'a', at: now + 100 }, { name: 'b', at: now + 200 }, { name: 'c', at: now + 300 }, { name: 'd', at: now + 300 },
    ]);
    expect(l.size).toBe(0);
  });

  it('a deleted entry never expires; delete is idempotent and has() follows it', () => {
    const { l, expired } = list();
    const a = new Entry('a', Date.now() + 50);
    const b = new Entry('b', Date.now() + 60);
    l.add(a);
    l.add(b);
    expect(l.has(a)).toBe(true);
    expect(l.delete(a)).toBe(true);
    expect(l.delete(a)).toBe(false);
    expect(l.has(a)).toBe(false);
    vi.advanceTimersByTime(100);
    expect(expired.map((e) => e.name)).toEqual(['b']);
  });

  it('arms one timer for many entries with the same timeout, however many are added and settled', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const { l, expired } = list();
    for (let i = 0; i < 1000; i++) {
      const e = new Entry(`e${i}`, Date.now() + 5000);
      l.add(e);
      if (i % 2 === 0) l.delete(e);
      vi.advanceTimersByTime(1);
    }
    expect(spy).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(6000);
    expect(expired).toHaveLength(500);
  });

  it('expires entries sharing a deadline in one firing', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const { l, expired } = list();
    const due = Date.now() + 100;
    for (let i = 0; i < 100; i++) l.add(new Entry(`e${i}`, due));
    vi.advanceTimersByTime(100);
    expect(expired).toHaveLength(100);
    expect(expired.every((e) => e.at === due)).toBe(true);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('an entry due before the armed one re-arms the timer for it', () => {
    const { l, expired } = list();
    const now = Date.now();
    l.add(new Entry('late', now + 1000));
    l.add(new Entry('early', now + 10));
    vi.advanceTimersByTime(10);
    expect(expired).toEqual([{ name: 'early', at: now + 10 }]);
    vi.advanceTimersByTime(990);
    expect(expired.map((e) => e.name)).toEqual(['early', 'late']);
  });

  it('an entry already past its deadline expires on a later turn, not inside add()', () => {
    const { l, expired } = list();
    l.add(new Entry('past', Date.now() - 5));
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired.map((e) => e.name)).toEqual(['past']);
  });

  it('keeps expiring the others when onExpire throws', () => {
    const seen: string[] = [];
    const l = new DeadlineList<Entry>((e) => {
      seen.push(e.name);
      if (e.name === 'a') throw new Error('boom');
    });
    l.add(new Entry('a', Date.now() + 10));
    l.add(new Entry('b', Date.now() + 10));
    l.add(new Entry('c', Date.now() + 20));
    expect(() => vi.advanceTimersByTime(10)).toThrow('boom');
    vi.advanceTimersByTime(20);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('drain() hands over every entry, earliest first; stop() ends expiry', () => {
    const { l, expired } = list();
    l.add(new Entry('b', Date.now() + 20));
    l.add(new Entry('a', Date.now() + 10));
    const drained: string[] = [];
    l.drain((e) => drained.push(e.name));
    expect(drained).toEqual(['a', 'b']);
    expect(l.size).toBe(0);
    l.add(new Entry('c', Date.now() + 10));
    l.stop();
    vi.advanceTimersByTime(100);
    expect(expired).toEqual([]);
  });
});

describe('DeadlineList timer reference', () => {
  it('holds the process only while it has entries', async () => {
    const timers: NodeJS.Timeout[] = [];
    const real = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      const t = real(fn, ms);
      timers.push(t);
      return t;
    }) as typeof setTimeout);
    try {
      const l = new DeadlineList<Entry>(() => undefined);
      const e = new Entry('e', Date.now() + 60_000);
      l.add(e);
      expect(timers).toHaveLength(1);
      expect(timers[0]!.hasRef()).toBe(true);
      l.delete(e);
      expect(timers[0]!.hasRef()).toBe(false);
      l.add(new Entry('f', Date.now() + 60_000));
      expect(timers).toHaveLength(1);
      expect(timers[0]!.hasRef()).toBe(true);
      l.stop();
    } finally {
      vi.restoreAllMocks();
    }
  });
});
