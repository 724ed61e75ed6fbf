import { afterEach, describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import { ErrorCode, LOG_LEVEL_ENV, RequestLog, RingKvError, createLogger, logLevelFromEnv } from '@ringkv/core';

/** A pino destination that keeps each JSON line. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, stream };
}

const saved = process.env[LOG_LEVEL_ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[LOG_LEVEL_ENV];
  else process.env[LOG_LEVEL_ENV] = saved;
});

function loggerAt(level: string) {
  process.env[LOG_LEVEL_ENV] = level;
  const c = capture();
  return { ...c, log: createLogger('test', { node: 'n1' }, c.stream) };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('log level', () => {
  it.each([
    [undefined, 'info'], ['debug', 'debug'], ['WARN', 'warn'], [' error ', 'error'], ['silent', 'silent'], ['', 'info'],
  ])('RINGKV_LOG_LEVEL=%j -> %s', (value, level) => {
    expect(logLevelFromEnv(value === undefined ? {} : { [LOG_LEVEL_ENV]: value })).toBe(level);
  });

  it('refuses an unknown level with INVALID_ARGUMENT naming the variable', () => {
    const err = (() => {
      try {
        logLevelFromEnv({ [LOG_LEVEL_ENV]: 'verbose' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(RingKvError);
    expect((err as RingKvError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect((err as RingKvError).message).toContain('RINGKV_LOG_LEVEL="verbose"');
  });

  it('createLogger honours the variable', async () => {
    const { log, lines } = loggerAt('warn');
    log.info('hidden');
    log.warn('shown');
    await flush();
    expect(lines.map((l) => l.msg)).toEqual(['shown']);
    expect(lines[0]).toMatchObject({ name: 'test', node: 'n1', level: 40 });
  });
});

describe('RequestLog', () => {
  const ok = [{ errorCode: '' }, { errorCode: ErrorCode.CONFLICT, errorMessage: 'version moved' }];

  it('writes one debug line per request with its id and outcomes, nothing at info', async () => {
    const debug = loggerAt('debug');
    new RequestLog(debug.log).done('req-1', 'Execute', 2, Date.now(), ok);
    const info = loggerAt('info');
    new RequestLog(info.log).done('req-2', 'Execute', 2, Date.now(), ok);
    await flush();
    expect(debug.lines).toHaveLength(1);
    expect(debug.lines[0]).toMatchObject({ level: 20, reqId: 'req-1', call: 'Execute', ops: 2, codes: { OK: 1, CONFLICT: 1 }, msg: 'request' });
    expect(info.lines).toHaveLength(0);
  });

  it('warns about slow requests and server-side failures, with the ids', async () => {
    const { log, lines } = loggerAt('info');
    const requests = new RequestLog(log, { slowRequestMs: 50 });
    requests.done(['a', 'b'], 'Pipeline', 3, Date.now() - 60, ok);
    requests.done('c', 'Execute', 1, Date.now(), [{ errorCode: ErrorCode.UNAVAILABLE, errorMessage: 'shard s1 is unreachable' }]);
    requests.done('d', 'Scan', 1, Date.now(), undefined, new RingKvError(ErrorCode.DEADLINE_EXCEEDED, 'too slow'));
    requests.done('e', 'Execute', 1, Date.now(), undefined, new RingKvError(ErrorCode.INVALID_ARGUMENT, 'caller error'));
    await flush();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ level: 40, reqIds: ['a', 'b'], call: 'Pipeline', msg: 'slow request' });
    expect(lines[0]!.ms).toBeGreaterThanOrEqual(50);
    expect(lines[1]).toMatchObject({ level: 40, reqId: 'c', code: 'UNAVAILABLE', message: 'shard s1 is unreachable', msg: 'request failed' });
    expect(lines[2]).toMatchObject({ level: 40, reqId: 'd', code: 'DEADLINE_EXCEEDED' });
  });

  it('rate-limits warnings and reports how many it left out', async () => {
    const { log, lines } = loggerAt('info');
    const requests = new RequestLog(log, { maxWarningsPerSec: 2 });
    const down = [{ errorCode: ErrorCode.UNAVAILABLE }];
    for (let i = 0; i < 5; i++) requests.done(`r${i}`, 'Execute', 1, Date.now(), down);
    await flush();
    expect(lines.map((l) => l.reqId)).toEqual(['r0', 'r1']);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 1_001); // the next one-second window
      requests.done('r5', 'Execute', 1, Date.now(), down);
    } finally {
      vi.useRealTimers();
    }
    await flush();
    expect(lines[2]).toMatchObject({ reqId: 'r5', suppressed: 3 });
  });
});
