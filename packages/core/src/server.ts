import { Server, ServerCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import { packageDefinition } from './proto.js';
import { MAX_MESSAGE_BYTES } from './limits.js';
import { ErrorCode, RingKvError } from './errors.js';
import { parseHostPort } from './address.js';

export const CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
};

/** For clients of our servers: reconnect fast after a peer restarts (grpc-js defaults back off to 120 s). */
export const CLIENT_CHANNEL_OPTIONS: ChannelOptions = {
  ...CHANNEL_OPTIONS,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.min_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.enable_retries': 0,
  // Each channel its own connection: grpc-js otherwise shares one per address across every
  // client in the process, and a new client to a router that just restarted would inherit the
  // old connection's failure (TRANSIENT_FAILURE, in backoff) and give up before trying.
  'grpc.use_local_subchannel_pool': 1,
  // One long-lived Pipeline stream carries every batch: a 64 KiB HTTP/2 window would make
  // replies wait for window updates.
  'grpc-node.flow_control_window': 16 * 1024 * 1024,
};

/** What callers need of the health service, without depending on grpc-health-check. */
export type ServingHealth = Pick<HealthImplementation, 'setStatus'>;

export interface ServingServer {
  server: Server;
  health: HealthImplementation;
  /** The bound port (useful with port 0). */
  port: number;
}

/** A gRPC server with health checking and reflection, so grpcurl-style tools work. */
export function createServer(): { server: Server; health: HealthImplementation } {
  const server = new Server(CHANNEL_OPTIONS);
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  health.addToServer(server);
  new ReflectionService(packageDefinition).addToServer(server);
  return { server, health };
}

/** Binds `address`; plaintext unless `creds` says otherwise (see tls.ts serverCredentials). */
export function bindServer(server: Server, address: string, creds: ServerCredentials = ServerCredentials.createInsecure()): Promise<number> {
  parseHostPort(address, 'listen address');
  return new Promise((resolve, reject) => {
    server.bindAsync(address, creds, (err, port) => {
      if (err) reject(new RingKvError(ErrorCode.UNAVAILABLE, `cannot listen on ${address}: ${err.message}`, { cause: err }));
      else resolve(port);
    });
  });
}

/** Graceful shutdown, forced after graceMs (then `onForced` is called: calls still running were cut). */
export function shutdownServer(server: Server, graceMs = 5_000, onForced?: () => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      onForced?.();
      resolve();
    }, graceMs);
    timer.unref();
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
