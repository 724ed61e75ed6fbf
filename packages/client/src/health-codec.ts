import type { HealthStatus } from './transport.js';

/**
 * grpc.health.v1 messages, hand-encoded so the SDK needs no health proto: HealthCheckRequest
 * is `string service = 1`, HealthCheckResponse is `ServingStatus status = 1`.
 */
export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';
export const HEALTH_WATCH_PATH = '/grpc.health.v1.Health/Watch';

const STATUS_NAMES: readonly HealthStatus[] = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** The request for `service` ('' is the whole server). */
export function encodeHealthRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  if (name.length === 0) return Buffer.alloc(0);
  if (name.length > 127) throw new TypeError('health service name longer than 127 bytes');
  return Buffer.concat([Buffer.from([0x0a, name.length]), name]);
}

/** The status of a response; UNKNOWN for anything unexpected (an absent field is UNKNOWN too). */
export function decodeHealthResponse(buf: Buffer): HealthStatus {
  // Field 1, wire type 0 (varint): tag 0x08; the statuses are below 128, so one byte.
  if (buf.length >= 2 && buf[0] === 0x08) return STATUS_NAMES[buf[1]!] ?? 'UNKNOWN';
  return 'UNKNOWN';
}
