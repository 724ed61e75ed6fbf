import { describe, expect, it } from 'vitest';
import { Batcher, ErrorCode, MAX_BATCH_TAGS, RingKvError, abortError, type BatchEntry } from '@ringkv/core';

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RingKvError);
    return (err as RingKvError).code;
  }
  throw new Error('expected a rejection');
}

/** A send that records its batches and answers each item with `<item>!`. */
function recordingSend() {
  const batches: string[][] = [];
  const send = async (items: string[]) => {
    batches.push([...items]);
    return items.map((i) => `${i}!`);
  };
  return { batches, send };
}

describe('Batcher', () => {
  it('sends what is submitted in the same tick as one batch, results in order', async () => {
    const { batches, send } = recordingSend();
    const b = new Batcher(send, () => 1);
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((x) => b.submit(x)));
    expect(results).toEqual(['a!', 'b!', 'c!', 'd!', 'e!']);
    expect(batches).toEqual([['a', 'b', 'c', 'd', 'e']]);
  });

  it('sends submits of different macrotasks as different batches', async () => {
    const { batches, send } = recordingSend();
    const b = new Batcher(send, () => 1);
    const p1 = b.submit('x');
    await nextMacrotask();
    await nextMacrotask();
    const p2 = b.submit('y');
    expect(await Promise.all([p1, p2])).toEqual(['x!', 'y!']);
    expect(batches).toEqual([['x'], ['y']]);
  });

  it('splits at maxBatchItems, keeping order', async () => {
    const { batches, send } = recordingSend();
    const b = new Batcher(send, () => 1, { maxBatchItems: 3 });
    const items = ['1', '2', '3', '4', '5', '6', '7'];
    expect(await Promise.all(items.map((x) => b.submit(x)))).toEqual(items.map((x) => `${x}!`));
    expect(batches).toEqual([['1', '2', '3'], ['4', '5', '6'], ['7']]);
  });

  it('splits at maxBatchBytes; an oversized item goes alone', async () => {
    const { batches, send } = recordingSend();
    const b = new Batcher(send, (s: string) => s.length, { maxBatchBytes: 10 });
    const items = ['aaaa', 'bbbb', 'cccc', 'x'.repeat(25), 'dd'];
    await Promise.all(items.map((x) => b.submit(x)));
    expect(batches).toEqual([['aaaa', 'bbbb'], ['cccc'], ['x'.repeat(25)], ['dd']]);
  });

  it('drops an item aborted before it is sent; the rest of the batch goes on', async () => {
    const { batches, send } = recordingSend();
    const b = new Batcher(send, () => 1);
    const ac = new AbortController();
    const pa = b.submit('a');
    const pb = b.submit('b', ac.signal);
    const pc = b.submit('c');
    ac.abort();
    expect(await codeOf(pb)).toBe('CANCELLED');
    expect(await Promise.all([pa, pc])).toEqual(['a!', 'c!']);
    expect(batches).toEqual([['a', 'c']]);
  });

  it('rejects at once for an already aborted signal, and uses a RingKvError reason as is', async () => {
    const b = new Batcher(recordingSend().send, () => 1);
    expect(await codeOf(b.submit('a', AbortSignal.abort()))).toBe('CANCELLED');
    const ac = new AbortController();
    const p = b.submit('b', ac.signal);
    ac.abort(new RingKvError(ErrorCode.DEADLINE_EXCEEDED, 'too slow'));
    expect(await codeOf(p)).toBe('DEADLINE_EXCEEDED');
    expect(abortError(AbortSignal.abort('why')).code).toBe('CANCELLED');
  });

  it('an abort while in flight rejects only that item', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new Batcher(
      async (items: string[]) => {
        await gate;
        return items.map((i) => `${i}!`);
      },
      () => 1,
    );
    const ac = new AbortController();
    const pa = b.submit('a', ac.signal);
    const pb = b.submit('b');
    await nextMacrotask();
    expect(b.inFlight).toBe(1);
    ac.abort();
    expect(await codeOf(pa)).toBe('CANCELLED');
    release();
    expect(await pb).toBe('b!');
  });

  it('fails with RESOURCE_EXHAUSTED beyond maxQueued', async () => {
    const { send } = recordingSend();
    const b = new Batcher(send, () => 1, { maxQueued: 3 });
    const ok = [b.submit('1'), b.submit('2'), b.submit('3')];
    const over = b.submit('4');
    expect(b.queued).toBe(3);
    expect(await codeOf(over)).toBe('RESOURCE_EXHAUSTED');
    expect(await Promise.all(ok)).toEqual(['1!', '2!', '3!']);
    // Room again once the queue drained.
    expect(await b.submit('5')).toBe('5!');
  });

  it('a rejected send fails only that batch, with its code', async () => {
    const b = new Batcher(
      async (items: string[]) => {
        if (items.includes('bad')) throw new RingKvError(ErrorCode.UNAVAILABLE, 'shard down');
        return items.map((i) => `${i}!`);
      },
      () => 1,
      { maxBatchItems: 2 },
    );
    const ps = ['a', 'b', 'bad', 'c', 'd', 'e'].map((x) => b.submit(x));
    const settled = await Promise.allSettled(ps);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
    for (const s of settled) if (s.status === 'rejected') expect((s.reason as RingKvError).code).toBe('UNAVAILABLE');
  });

  it('turns a plain send error into INTERNAL and a wrong result count into INTERNAL', async () => {
    const plain = new Batcher(async () => {
      throw new Error('bug');
    }, () => 1);
    expect(await codeOf(plain.submit('a'))).toBe('INTERNAL');
    const short = new Batcher(async (items: string[]) => items.slice(1), () => 1);
    const ps = [short.submit('a'), short.submit('b')];
    expect(await codeOf(ps[0]!)).toBe('INTERNAL');
    expect(await codeOf(ps[1]!)).toBe('INTERNAL');
  });

  it('keeps at most maxInFlight sends running at once, and finishes everything', async () => {
    let running = 0;
    let peak = 0;
    let sends = 0;
    const b = new Batcher(
      async (items: number[]) => {
        running++;
        sends++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return items.map((i) => i * 2);
      },
      () => 1,
      { maxInFlight: 2, maxBatchItems: 1 },
    );
    const input = Array.from({ length: 12 }, (_, i) => i);
    const out = await Promise.all(input.map((i) => b.submit(i)));
    expect(out).toEqual(input.map((i) => i * 2));
    expect(peak).toBe(2);
    expect(sends).toBe(12);
    expect(b.inFlight).toBe(0);
    expect(b.queued).toBe(0);
  });

  it('close() fails queued items and refuses new ones with CLOSED', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new Batcher(
      async (items: string[]) => {
        await gate;
        return items;
      },
      () => 1,
      { maxInFlight: 1, maxBatchItems: 1 },
    );
    const first = b.submit('first');
    const second = b.submit('second');
    await nextMacrotask();
    b.close();
    expect(await codeOf(second)).toBe('CLOSED');
    expect(await codeOf(b.submit('third'))).toBe('CLOSED');
    release();
    // What was in flight still completes.
    expect(await first).toBe('first');
  });
});

describe('Batcher tags', () => {
  it('hands send the distinct tags of a batch, in first-seen order, at most MAX_BATCH_TAGS', async () => {
    const seen: string[][] = [];
    const b = new Batcher(async (items: string[], tags: string[]) => {
      seen.push(tags);
      return items;
    }, () => 1);
    await Promise.all([b.submit('1', undefined, 'r1'), b.submit('2', undefined, 'r1'), b.submit('3'), b.submit('4', undefined, 'r2'),
      b.submit('5', undefined, 'r1')]);
    expect(seen).toEqual([['r1', 'r2']]);
    await Promise.all(Array.from({ length: MAX_BATCH_TAGS + 10 }, (_, i) => b.submit(String(i), undefined, `t${i}`)));
    expect(seen[1]).toHaveLength(MAX_BATCH_TAGS);
    expect(seen[1]![0]).toBe('t0');
  });
});

/** An entry kept by its caller: records what it was settled with. */
class Kept implements BatchEntry<string, string> {
  cancelled = false;
  settled: Array<{ result: string | undefined; code: string | undefined }> = [];
  constructor(readonly item: string) {}
  settle(result: string | undefined, error: RingKvError | undefined): void {
    this.settled.push({ result, code: error?.code });
  }
}

describe('Batcher.enqueue (entries kept by the caller)', () => {
  it('batches entries with submitted items and settles each once through settle()', async () => {
    const { batches, send } = recordingSend();
    const b = new Batcher(send, () => 1);
    const e1 = new Kept('e1');
    const e2 = new Kept('e2');
    b.enqueue(e1);
    const p = b.submit('s');
    b.enqueue(e2);
    expect(await p).toBe('s!');
    expect(batches).toEqual([['e1', 's', 'e2']]);
    expect(e1.settled).toEqual([{ result: 'e1!', code: undefined }]);
    expect(e2.settled).toEqual([{ result: 'e2!', code: undefined }]);
  });

  it('skips an entry cancelled while queued; one cancelled in flight is still settled', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batches: string[][] = [];
    const b = new Batcher(async (items: string[]) => {
      batches.push([...items]);
      await gate;
      return items;
    }, () => 1);
    const inFlight = new Kept('flying');
    b.enqueue(inFlight);
    await nextMacrotask();
    inFlight.cancelled = true;
    const queued = new Kept('queued');
    const kept = new Kept('kept');
    b.enqueue(queued);
    b.enqueue(kept);
    queued.cancelled = true;
    release();
    await nextMacrotask();
    await nextMacrotask();
    expect(batches).toEqual([['flying'], ['kept']]);
    expect(inFlight.settled).toEqual([{ result: 'flying', code: undefined }]);
    expect(queued.settled).toEqual([]);
    expect(kept.settled).toEqual([{ result: 'kept', code: undefined }]);
  });

  it('settles every entry of a failed batch with its failure', async () => {
    const b = new Batcher(async () => {
      throw new RingKvError(ErrorCode.UNAVAILABLE, 'down');
    }, () => 1);
    const es = [new Kept('a'), new Kept('b')];
    for (const e of es) b.enqueue(e);
    await nextMacrotask();
    await nextMacrotask();
    expect(es.map((e) => e.settled)).toEqual([[{ result: undefined, code: 'UNAVAILABLE' }], [{ result: undefined, code: 'UNAVAILABLE' }]]);
  });

  it('throws RESOURCE_EXHAUSTED beyond maxQueued and the close reason once closed, settling nothing', async () => {
    const { send } = recordingSend();
    const b = new Batcher(send, () => 1, { maxQueued: 1 });
    const first = new Kept('1');
    b.enqueue(first);
    const over = new Kept('2');
    expect(() => b.enqueue(over)).toThrow(expect.objectContaining({ code: 'RESOURCE_EXHAUSTED' }));
    b.close(new RingKvError(ErrorCode.CLOSED, 'gone'));
    expect(first.settled).toEqual([{ result: undefined, code: 'CLOSED' }]);
    expect(() => b.enqueue(new Kept('3'))).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    expect(over.settled).toEqual([]);
  });
});
