import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metadata, Server, ServerCredentials, credentials, status, type ServiceError } from '@grpc/grpc-js';
import {
  CODE_METADATA_KEY,
  ERROR_CODES,
  ErrorCode,
  KvService,
  RingKvError,
  fromGrpcError,
  grpcStatusOf,
  toServiceError,
  type ErrorCode as ErrorCodeT,
  type KVClient,
} from '@ringkv/core';

/** What a grpc-js client sees for an error a handler passed to its callback. */
function asReceived(err: Partial<ServiceError>): ServiceError {
  return Object.assign(new Error(`${err.code} ${err.details}`), {
    code: err.code!,
    details: err.details ?? '',
    metadata: err.metadata ?? new Metadata(),
  });
}

describe('grpc status mapping (in memory)', () => {
  it.each(ERROR_CODES.map((code) => ({ code })))('$code round trips through toServiceError -> fromGrpcError', ({ code }) => {
    const sent = toServiceError(new RingKvError(code, `message for ${code}`));
    expect(sent.code).toBe(grpcStatusOf(code));
    expect(sent.metadata!.get(CODE_METADATA_KEY)).toEqual([code]);
    const back = fromGrpcError(asReceived(sent));
    expect(back).toBeInstanceOf(RingKvError);
    expect(back.code).toBe(code);
    expect(back.message).toBe(`message for ${code}`);
  });

  it('carries the WRONG_OWNER epoch', () => {
    const back = fromGrpcError(asReceived(toServiceError(new RingKvError(ErrorCode.WRONG_OWNER, 'moved', { epoch: 12345678901234n }))));
    expect(back.code).toBe('WRONG_OWNER');
    expect(back.epoch).toBe(12345678901234n);
  });

  it('maps a thrown non-ringkv error to INTERNAL', () => {
    const sent = toServiceError(new Error('bug'));
    expect(sent.code).toBe(status.INTERNAL);
    expect(fromGrpcError(asReceived(sent)).code).toBe('INTERNAL');
  });

  it.each<[status, ErrorCodeT]>([
    [status.UNAVAILABLE, 'UNAVAILABLE'],
    [status.DEADLINE_EXCEEDED, 'DEADLINE_EXCEEDED'],
    [status.CANCELLED, 'CANCELLED'],
    [status.INVALID_ARGUMENT, 'INVALID_ARGUMENT'],
    [status.RESOURCE_EXHAUSTED, 'RESOURCE_EXHAUSTED'],
    [status.ABORTED, 'CONFLICT'],
    [status.UNIMPLEMENTED, 'INTERNAL'],
    [status.UNKNOWN, 'INTERNAL'],
  ])('a plain grpc status %s without the trailer maps to %s', (grpcCode, want) => {
    const e = fromGrpcError(asReceived({ code: grpcCode, details: 'from elsewhere' }));
    expect(e.code).toBe(want);
    expect(e.message).toBe('from elsewhere');
  });

  it('ignores a trailer that is not a ringkv code', () => {
    const metadata = new Metadata();
    metadata.set(CODE_METADATA_KEY, 'NOT_A_CODE');
    expect(fromGrpcError(asReceived({ code: status.UNAVAILABLE, details: 'x', metadata })).code).toBe('UNAVAILABLE');
  });

  it('passes RingKvError through and wraps non-grpc values as INTERNAL', () => {
    const own = new RingKvError(ErrorCode.CONFLICT, 'c');
    expect(fromGrpcError(own)).toBe(own);
    expect(fromGrpcError(new Error('x')).code).toBe('INTERNAL');
    expect(fromGrpcError(undefined).code).toBe('INTERNAL');
  });
});

describe('grpc status mapping (over the wire)', () => {
  const server = new Server();
  let client: KVClient;
  let port = 0;

  beforeAll(async () => {
    server.addService(KvService.service, {
      // The request's first key names the code to fail with.
      Execute: (call: { request: { ops: Array<{ get?: { key: Buffer } }> } }, cb: (e: Partial<ServiceError> | null) => void) => {
        const code = call.request.ops[0]!.get!.key.toString() as ErrorCodeT;
        cb(toServiceError(new RingKvError(code, `wire ${code}`, code === 'WRONG_OWNER' ? { epoch: 9n } : {})));
      },
      Scan: (_call: unknown, cb: (e: Partial<ServiceError> | null) => void) => cb(toServiceError(new Error('plain failure'))),
    });
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    client = new KvService(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as KVClient;
  });

  afterAll(async () => {
    client?.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  const call = (code: string) =>
    new Promise<RingKvError>((resolve, reject) => {
      client.Execute({ ops: [{ get: { key: Buffer.from(code) } }] }, { deadline: Date.now() + 5000 }, (err) => {
        if (err) resolve(fromGrpcError(err));
        else reject(new Error('expected an error'));
      });
    });

  it('every code survives a real gRPC call', async () => {
    for (const code of ERROR_CODES) {
      const e = await call(code);
      expect(e.code).toBe(code);
      expect(e.message).toBe(`wire ${code}`);
    }
    expect((await call('WRONG_OWNER')).epoch).toBe(9n);
  });

  it('an unexpected server error arrives as INTERNAL', async () => {
    const e = await new Promise<RingKvError>((resolve) =>
      client.Scan({}, { deadline: Date.now() + 5000 }, (err) => resolve(fromGrpcError(err))),
    );
    expect(e.code).toBe('INTERNAL');
  });

  it('an unreachable server (no trailer at all) maps to UNAVAILABLE', async () => {
    const dead = new KvService('127.0.0.1:1', credentials.createInsecure()) as unknown as KVClient;
    try {
      const e = await new Promise<RingKvError>((resolve) =>
        dead.Scan({}, { deadline: Date.now() + 5000 }, (err) => resolve(fromGrpcError(err))),
      );
      expect(e.code).toBe('UNAVAILABLE');
    } finally {
      dead.close();
    }
  });
});
