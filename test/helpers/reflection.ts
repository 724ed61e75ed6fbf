import { Client, credentials, type ServiceError } from '@grpc/grpc-js';

/**
 * `list_services` over gRPC server reflection (what grpcurl does first), with hand-written
 * protobuf: ServerReflectionRequest.list_services is field 7 (string); the response's
 * list_services_response is field 6, holding repeated ServiceResponse (field 1) whose name is
 * field 1.
 */
const PATHS = {
  v1: '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
  v1alpha: '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
} as const;

function* fields(buf: Buffer): Generator<{ field: number; wire: number; value: Buffer | bigint }> {
  let i = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[i++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const tag = Number(varint());
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) yield { field, wire, value: varint() };
    else if (wire === 2) {
      const len = Number(varint());
      yield { field, wire, value: buf.subarray(i, i + len) };
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function serviceNames(response: Buffer): string[] {
  const names: string[] = [];
  for (const f of fields(response)) {
    if (f.field !== 6 || !Buffer.isBuffer(f.value)) continue;
    for (const s of fields(f.value)) {
      if (s.field !== 1 || !Buffer.isBuffer(s.value)) continue;
      for (const n of fields(s.value)) if (n.field === 1 && Buffer.isBuffer(n.value)) names.push(n.value.toString('utf8'));
    }
  }
  return names;
}

/** The services a server lists through reflection (v1 or v1alpha). */
export function listServices(address: string, version: keyof typeof PATHS = 'v1', timeoutMs = 5_000): Promise<string[]> {
  const client = new Client(address, credentials.createInsecure());
  return new Promise<string[]>((resolve, reject) => {
    const call = client.makeBidiStreamRequest(
      PATHS[version],
      (req: Buffer) => req,
      (res: Buffer) => res,
      { deadline: Date.now() + timeoutMs },
    );
    const names: string[] = [];
    call.on('data', (res: Buffer) => names.push(...serviceNames(res)));
    call.on('error', (err: ServiceError) => {
      client.close();
      reject(err);
    });
    call.on('end', () => {
      client.close();
      resolve(names);
    });
    call.write(Buffer.from([0x3a, 0x01, 0x2a])); // list_services: "*"
    call.end();
  });
}
