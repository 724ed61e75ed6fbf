import { Metadata, credentials as grpcCredentials, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { AdminService, CLIENT_CHANNEL_OPTIONS, ErrorCode, REQUEST_ID_HEADER, RingKvError, fromGrpcError, type AdminClient } from '@ringkv/core';
import type { LeaderInfo } from './leadership.js';

/** Set on a call one router forwards to the coordinator: it is not forwarded again. */
export const FORWARDED_HEADER = 'x-ringkv-forwarded';

const PASSED_ON = ['authorization', REQUEST_ID_HEADER];

/**
 * Sends an Admin call that changes the cluster to the coordinator, as PD's followers forward
 * to their leader: every router accepts membership changes, and the one that leads runs them.
 * The caller's token and request id go along unchanged, so the coordinator checks the same
 * permission the caller has.
 */
export class AdminForwarder {
  readonly #credentials: ChannelCredentials;
  #client: { address: string; grpc: AdminClient } | undefined;

  constructor(credentials?: ChannelCredentials) {
    this.#credentials = credentials ?? grpcCredentials.createInsecure();
  }

  static wasForwarded(metadata: Metadata): boolean {
    return metadata.get(FORWARDED_HEADER).length > 0;
  }

  forward<Req, Res>(leader: LeaderInfo, method: string, request: Req, from: Metadata, deadline: Date): Promise<Res> {
    const client = this.#clientFor(leader.address);
    const md = new Metadata();
    for (const key of PASSED_ON) for (const v of from.get(key)) md.add(key, v);
    md.set(FORWARDED_HEADER, '1');
    const fn = (client as unknown as Record<string, (...args: unknown[]) => unknown>)[method];
    if (typeof fn !== 'function') return Promise.reject(new RingKvError(ErrorCode.INTERNAL, `no Admin method ${method}`));
    return new Promise((resolve, reject) => {
      fn.call(client, request, md, { deadline }, (err: ServiceError | null, res: Res) => {
        if (!err) return resolve(res);
        const e = fromGrpcError(err);
        // The coordinator itself could not be reached: say which one, the rest is its own answer.
        reject(e.code === ErrorCode.UNAVAILABLE && err.metadata?.get('ringkv-code').length === 0
          ? new RingKvError(ErrorCode.UNAVAILABLE, `cannot reach the coordinator ${leader.id} at ${leader.address}: ${e.message}`, { cause: err })
          : e);
      });
    });
  }

  #clientFor(address: string): AdminClient {
    if (this.#client?.address !== address) {
      this.#client?.grpc.close();
      this.#client = { address, grpc: new AdminService(address, this.#credentials, CLIENT_CHANNEL_OPTIONS) };
    }
    return this.#client.grpc;
  }

  close(): void {
    this.#client?.grpc.close();
    this.#client = undefined;
  }
}
