import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PipelineMux, RingKvError, type PipelineFrame } from '@ringkv/core';

/** A stand-in for the Pipeline call: records written frames; the test answers them. */
class FakeStream extends EventEmitter {
  written: PipelineFrame[] = [];
  write(frame: PipelineFrame): boolean {
    this.written.push(frame);
    return true;
  }
  end(): void {}
  cancel(): void {}
  answer(id: number): void {
    this.emit('data', { id, results: [], epoch: '0', errorCode: '', errorMessage: '' });
  }
}

function mux() {
  const stream = new FakeStream();
  const m = new PipelineMux(() => stream as never, 'peer');
  return { stream, m };
}

describe('PipelineMux deadlines', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('fails an unanswered frame with DEADLINE_EXCEEDED at its deadline, and only that one', async () => {
    vi.useFakeTimers();
    const { stream, m } = mux();
    const late = m.send([], Date.now() + 100).catch((e: RingKvError) => e);
    const answered = m.send([], Date.now() + 100);
    stream.answer(stream.written[1]!.id!);
    await expect(answered).resolves.toMatchObject({ results: [] });
    vi.advanceTimersByTime(99);
    expect(m.inFlight).toBe(1);
    vi.advanceTimersByTime(1);
    const err = await late;
    expect(err).toBeInstanceOf(RingKvError);
    expect((err as RingKvError).code).toBe('DEADLINE_EXCEEDED');
    expect((err as RingKvError).message).toBe('peer: no reply before the deadline');
    expect(m.inFlight).toBe(0);
    // A reply after the deadline is ignored.
    stream.answer(stream.written[0]!.id!);
    m.close();
  });

  it('arms no timer per frame', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const { stream, m } = mux();
    for (let i = 0; i < 200; i++) {
      const p = m.send([], Date.now() + 5000);
      stream.answer(stream.written[i]!.id!);
      await p;
    }
    expect(spy.mock.calls.length).toBeLessThanOrEqual(1);
    m.close();
  });

  it('close() fails what is in flight with the reason and stops the timer', async () => {
    vi.useFakeTimers();
    const { m } = mux();
    const p = m.send([], Date.now() + 100).catch((e: RingKvError) => e.code);
    m.close();
    expect(await p).toBe('CLOSED');
    expect(vi.getTimerCount()).toBe(0);
  });
});
