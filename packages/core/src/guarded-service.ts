import type {
  MethodDefinition, Server, ServerUnaryCall, ServerWritableStream, ServiceDefinition, UntypedHandleCall,
  UntypedServiceImplementation, sendUnaryData,
} from '@grpc/grpc-js';
import { ErrorCode, RingKvError } from './errors.js';
import { toServiceError } from './grpc-status.js';

const MALFORMED = Symbol('ringkv.malformed');

/** What a request message that does not decode becomes, instead of an exception inside grpc-js. */
export interface MalformedMessage {
  readonly [MALFORMED]: string;
}

export function isMalformed(message: unknown): message is MalformedMessage {
  return typeof message === 'object' && message !== null && MALFORMED in message;
}

export function malformedError(message: MalformedMessage): RingKvError {
  return new RingKvError(ErrorCode.INVALID_ARGUMENT, `malformed request message: ${message[MALFORMED]}`);
}

/** An error that grpc-js turns into the call's status (with the ringkv-code trailer) when emitted on a stream. */
export function streamError(err: unknown): Error {
  return Object.assign(new Error(err instanceof Error ? err.message : String(err)), toServiceError(err));
}

/**
 * server.addService, except that a request message that does not decode is answered with
 * INVALID_ARGUMENT (and the ringkv-code trailer): grpc-js would answer INTERNAL, which ringkv
 * reserves for its own bugs. Unary and server-streaming handlers never see such a request;
 * streaming requests get MalformedMessage values and check them (PipelineStreams does).
 */
export function addGuardedService(server: Server, service: ServiceDefinition, handlers: UntypedServiceImplementation): void {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  const implementation: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(service) as [string, MethodDefinition<unknown, unknown>][]) {
    definition[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch (err) {
          return { [MALFORMED]: err instanceof Error ? err.message : String(err) } satisfies MalformedMessage;
        }
      },
    };
    const handler = handlers[name] ?? (method.originalName ? handlers[method.originalName] : undefined);
    if (!handler) continue;
    implementation[name] = method.requestStream ? handler : guard(handler, method.responseStream);
  }
  server.addService(definition, implementation);
}

function guard(handler: UntypedHandleCall, responseStream: boolean): UntypedHandleCall {
  if (responseStream) {
    const h = handler as (call: ServerWritableStream<unknown, unknown>) => void;
    return ((call: ServerWritableStream<unknown, unknown>) => {
      if (isMalformed(call.request)) call.emit('error', streamError(malformedError(call.request)));
      else h(call);
    }) as UntypedHandleCall;
  }
  const h = handler as (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => void;
  return ((call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
    if (isMalformed(call.request)) cb(toServiceError(malformedError(call.request)), null);
    else h(call, cb);
  }) as UntypedHandleCall;
}
