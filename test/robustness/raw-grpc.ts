import { Client, credentials, type CallOptions, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import {
  AdminService, CLIENT_CHANNEL_OPTIONS, CODE_METADATA_KEY, ERROR_CODES, ErrorCode, KvService, NodeService,
  type AdminClient, type KVClient, type NodeClient, type PipelineFrame, type PipelineReply__Output,
} from '@ringkv/core';

/**
 * Raw gRPC access to a ringkv server, built from core's proto definitions: no SDK validation
 * in front, so malformed requests reach the server as sent.
 */
export interface RawClients {
  kv: KVClient;
  admin: AdminClient;
  node: NodeClient;
  /** Sends bytes as they are (no protobuf encoding), for garbage on the wire. */
  bytes: Client;
  close(): void;
}

export function rawClients(routerAddress: string, nodeAddress: string): RawClients {
  const creds = credentials.createInsecure();
  const kv = new KvService(routerAddress, creds, CLIENT_CHANNEL_OPTIONS);
  const admin = new AdminService(routerAddress, creds, CLIENT_CHANNEL_OPTIONS);
  const node = new NodeService(nodeAddress, creds, CLIENT_CHANNEL_OPTIONS);
  const bytes = new Client(routerAddress, creds, CLIENT_CHANNEL_OPTIONS);
  return {
    kv, admin, node, bytes,
    close() {
      kv.close();
      admin.close();
      node.close();
      bytes.close();
    },
  };
}

/** What one call got: a reply, or an error with its gRPC status and ringkv code trailer. */
export type Outcome =
  | { ok: true; reply: unknown }
  | { ok: false; grpcCode: number; ringkvCode: string | undefined; details: string };

type UnaryFn = (req: unknown, options: CallOptions, cb: (err: ServiceError | null, res?: unknown) => void) => unknown;

function errorOutcome(err: ServiceError): Outcome {
  const sent = err.metadata?.get(CODE_METADATA_KEY)[0];
  return { ok: false, grpcCode: err.code, ringkvCode: typeof sent === 'string' ? sent : undefined, details: err.details };
}

/** One unary call by method name (`Execute`, `AddShard`...). */
export function unary(client: Client, method: string, request: unknown, timeoutMs = 10_000): Promise<Outcome> {
  const fn = (client as unknown as Record<string, UnaryFn>)[method];
  if (typeof fn !== 'function') throw new TypeError(`no method ${method}`);
  return new Promise((resolve) => {
    fn.call(client, request, { deadline: Date.now() + timeoutMs }, (err, res) => {
      resolve(err ? errorOutcome(err) : { ok: true, reply: res });
    });
  });
}

/** One unary call carrying `payload` as the raw request message. */
export function unaryBytes(client: Client, path: string, payload: Buffer, timeoutMs = 10_000): Promise<Outcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, payload, { deadline: Date.now() + timeoutMs }, (err, res) => {
      resolve(err ? errorOutcome(err) : { ok: true, reply: res });
    });
  });
}

/** Reads a server stream (MigrateArc) to its end. */
export function serverStream(client: Client, method: string, request: unknown, timeoutMs = 10_000): Promise<Outcome> {
  const fn = (client as unknown as Record<string, (req: unknown, options: CallOptions) => NodeJS.ReadableStream>)[method]!;
  return new Promise((resolve) => {
    const call = fn.call(client, request, { deadline: Date.now() + timeoutMs });
    const replies: unknown[] = [];
    call.on('data', (m: unknown) => replies.push(m));
    call.on('error', (err: ServiceError) => resolve(errorOutcome(err)));
    call.on('end', () => resolve({ ok: true, reply: replies }));
  });
}

/**
 * Sends frames on one Pipeline stream, half-closes, and collects every reply until the server
 * ends the stream (or it fails: then the outcome is the stream's error).
 */
export function pipeline(
  open: () => ClientDuplexStream<PipelineFrame, PipelineReply__Output>, frames: PipelineFrame[], timeoutMs = 10_000,
): Promise<{ replies: PipelineReply__Output[]; end: Outcome }> {
  return new Promise((resolve) => {
    const call = open();
    const replies: PipelineReply__Output[] = [];
    const timer = setTimeout(() => call.cancel(), timeoutMs);
    const done = (end: Outcome) => {
      clearTimeout(timer);
      resolve({ replies, end });
    };
    call.on('data', (r: PipelineReply__Output) => replies.push(r));
    call.on('error', (err: ServiceError) => done(errorOutcome(err)));
    call.on('end', () => done({ ok: true, reply: undefined }));
    for (const f of frames) call.write(f);
    call.end();
  });
}

const DOCUMENTED: ReadonlySet<string> = new Set(ERROR_CODES.filter((c) => c !== ErrorCode.INTERNAL));

/** A ringkv error code that bad input may get: documented, and not INTERNAL (a bug). */
export function isDocumentedCode(code: string): boolean {
  return DOCUMENTED.has(code);
}

/**
 * Every error code found in a reply: the call's own (its `ringkv-code` trailer; a status
 * without one is reported as `grpc:<status>`), and the per-op and per-frame `errorCode`s of
 * its results.
 */
export function codesOf(outcome: Outcome): string[] {
  if (!outcome.ok) return [outcome.ringkvCode ?? `grpc:${outcome.grpcCode} ${outcome.details}`];
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
      const rec = v as Record<string, unknown>;
      if (typeof rec.errorCode === 'string' && rec.errorCode !== '') out.push(rec.errorCode);
      for (const child of Object.values(rec)) if (child && typeof child === 'object') walk(child);
    }
  };
  walk(outcome.reply);
  return out;
}
