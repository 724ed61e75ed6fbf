import { Client, credentials, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';

/**
 * The standard gRPC health check (grpc.health.v1.Health/Check), spoken with hand-written
 * protobuf so the tests need nothing beyond grpc-js: HealthCheckRequest is `string service = 1`,
 * HealthCheckResponse is `ServingStatus status = 1` (1 = SERVING, 2 = NOT_SERVING).
 */
const CHECK_PATH = '/grpc.health.v1.Health/Check';

export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
const STATUS_NAMES: HealthStatus[] = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

function encodeRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  if (name.length === 0) return Buffer.alloc(0);
  if (name.length > 127) throw new Error('service name too long for this tiny encoder');
  return Buffer.concat([Buffer.from([0x0a, name.length]), name]);
}

function decodeResponse(buf: Buffer): HealthStatus {
  // Field 1, wire type 0 (varint): tag byte 0x08. Statuses are < 128, so one byte.
  for (let i = 0; i + 1 < buf.length; i++) if (buf[i] === 0x08) return STATUS_NAMES[buf[i + 1]!] ?? 'UNKNOWN';
  return 'UNKNOWN';
}

/**
 * One health check; rejects with the grpc error if the server cannot be reached. `creds`:
 * TLS (with a client certificate for storage nodes) when the server has TLS on.
 */
export function checkHealth(address: string, service = '', timeoutMs = 1_000, creds?: ChannelCredentials): Promise<HealthStatus> {
  const client = new Client(address, creds ?? credentials.createInsecure(), {
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 500,
  });
  return new Promise<HealthStatus>((resolve, reject) => {
    client.makeUnaryRequest(
      CHECK_PATH,
      encodeRequest,
      decodeResponse,
      service,
      { deadline: Date.now() + timeoutMs },
      (err: ServiceError | null, value?: HealthStatus) => {
        client.close();
        if (err) reject(err);
        else resolve(value ?? 'UNKNOWN');
      },
    );
  });
}

/** True for the errors of a server that is not up yet. */
export function isNotUpYet(err: unknown): boolean {
  const code = (err as Partial<ServiceError>).code;
  return code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED;
}
