import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { ErrorCode, RingKvError, asRingKvError, isErrorCode } from './errors.js';

/** Trailer carrying the exact ringkv code next to the coarser gRPC status. */
export const CODE_METADATA_KEY = 'ringkv-code';
const EPOCH_METADATA_KEY = 'ringkv-epoch';

const TO_GRPC: Record<ErrorCode, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  KEY_TOO_LARGE: status.INVALID_ARGUMENT,
  VALUE_TOO_LARGE: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  CONFLICT: status.ABORTED,
  WRONG_OWNER: status.FAILED_PRECONDITION,
  TRY_AGAIN: status.UNAVAILABLE,
  UNAVAILABLE: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  CANCELLED: status.CANCELLED,
  LOCK_NOT_HELD: status.FAILED_PRECONDITION,
  LOCK_HELD: status.ABORTED,
  STALE_RECEIPT: status.FAILED_PRECONDITION,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  MIGRATION_IN_PROGRESS: status.FAILED_PRECONDITION,
  MAP_CHANGED: status.ABORTED,
  UNKNOWN_SHARD: status.NOT_FOUND,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  CLOSED: status.UNAVAILABLE,
  INTERNAL: status.INTERNAL,
};

/** For peers that send no ringkv code (grpc-js itself, proxies, other servers). */
const FROM_GRPC: Partial<Record<status, ErrorCode>> = {
  [status.INVALID_ARGUMENT]: ErrorCode.INVALID_ARGUMENT,
  [status.NOT_FOUND]: ErrorCode.NOT_FOUND,
  [status.ABORTED]: ErrorCode.CONFLICT,
  [status.UNAVAILABLE]: ErrorCode.UNAVAILABLE,
  [status.DEADLINE_EXCEEDED]: ErrorCode.DEADLINE_EXCEEDED,
  [status.CANCELLED]: ErrorCode.CANCELLED,
  [status.UNAUTHENTICATED]: ErrorCode.UNAUTHENTICATED,
  [status.PERMISSION_DENIED]: ErrorCode.PERMISSION_DENIED,
  [status.RESOURCE_EXHAUSTED]: ErrorCode.RESOURCE_EXHAUSTED,
};

export function grpcStatusOf(code: ErrorCode): status {
  return TO_GRPC[code];
}

/** Server side: the one conversion of any thrown value into a gRPC error. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const e = asRingKvError(err);
  const metadata = new Metadata();
  metadata.set(CODE_METADATA_KEY, e.code);
  if (e.epoch !== undefined) metadata.set(EPOCH_METADATA_KEY, e.epoch.toString());
  return { code: TO_GRPC[e.code], details: e.message, metadata };
}

/** Client side: the one conversion of a gRPC error into a RingKvError. */
export function fromGrpcError(err: unknown): RingKvError {
  if (err instanceof RingKvError) return err;
  const se = err as Partial<ServiceError> | undefined;
  if (se === undefined || se === null || typeof se.code !== 'number') return asRingKvError(err);
  const sent = se.metadata?.get(CODE_METADATA_KEY)[0];
  const epochText = se.metadata?.get(EPOCH_METADATA_KEY)[0];
  const code: ErrorCode = isErrorCode(sent) ? sent : (FROM_GRPC[se.code as status] ?? ErrorCode.INTERNAL);
  const message = se.details || se.message || code;
  return new RingKvError(code, message, {
    cause: err,
    ...(typeof epochText === 'string' ? { epoch: BigInt(epochText) } : {}),
  });
}
