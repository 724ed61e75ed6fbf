import { readFileSync } from 'node:fs';
import { Client, credentials, status as grpcStatus, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { Command, CommanderError } from 'commander';
import { SECURITY_VALUE_FLAGS, addSecurityOptions, securityOf, type CliSecurity, type SecurityFlags } from '../security-flags.js';

// `ringkv health`: the standard gRPC health check (grpc.health.v1.Health/Check) against a
// router or a storage node. Container healthchecks run it every few seconds, so this module
// loads nothing but commander and grpc-js (not @ringkv/core, whose proto files take most of
// the CLI's start-up time): src/bin/ringkv.ts runs `ringkv health` through runHealthCli.

const CHECK_PATH = '/grpc.health.v1.Health/Check';
const DEFAULT_TARGET = '127.0.0.1:7400';
const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** Ends the command with an exit status after it explained itself on stderr. */
export type Fail = (code: number) => never;

// HealthCheckRequest is `string service = 1`; HealthCheckResponse is `ServingStatus status = 1`.
function encodeRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  if (name.length === 0) return Buffer.alloc(0);
  const len: number[] = [];
  let n = name.length;
  while (n >= 0x80) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([0x0a, ...len]), name]);
}

function decodeResponse(buf: Buffer): string {
  // Field 1, varint (tag 0x08); the statuses are < 128, so one byte. Absent field = UNKNOWN (0).
  for (let i = 0; i + 1 < buf.length; i++) if (buf[i] === 0x08) return STATUS_NAMES[buf[i + 1]!] ?? `STATUS_${buf[i + 1]}`;
  return 'UNKNOWN';
}

// The same rules as @ringkv/core's parseDurationMs and parseHostPort (kept here to stay light).
function durationMs(text: string, what: string): number | string {
  const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  const ms = m ? Math.round(Number(m[1]) * units[m[2] ?? 'ms']!) : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) return `invalid ${what} "${text}" (examples: 500ms, 10s, 5m, 1h)`;
  return ms;
}

function hostPortError(text: string, what: string): string | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text.trim());
  if (!m || Number(m[3]) > 65535) return `invalid ${what} "${text}" (expected HOST:PORT)`;
  return undefined;
}

const CODE_NAMES: Record<number, string> = {
  [grpcStatus.UNAVAILABLE]: 'UNAVAILABLE',
  [grpcStatus.DEADLINE_EXCEEDED]: 'DEADLINE_EXCEEDED',
  [grpcStatus.NOT_FOUND]: 'NOT_FOUND',
  [grpcStatus.CANCELLED]: 'CANCELLED',
  [grpcStatus.UNIMPLEMENTED]: 'UNAVAILABLE',
};

/**
 * Health checks carry no token (they are open on purpose) but speak TLS when the CLI does;
 * a storage node with TLS also wants the client certificate (--tls-cert, --tls-key).
 */
function channelCredentials(tls: CliSecurity['tls']): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  const read = (path: string | undefined) => (path === undefined ? null : readFileSync(path));
  return credentials.createSsl(read(tls.ca), read(tls.key), read(tls.cert));
}

/** One Health/Check call: the serving status, or the gRPC error. */
export function checkHealth(target: string, service: string, timeoutMs: number, tls?: CliSecurity['tls']): Promise<string> {
  const client = new Client(target, channelCredentials(tls));
  return new Promise<string>((resolve, reject) => {
    client.makeUnaryRequest(CHECK_PATH, encodeRequest, decodeResponse, service, { deadline: Date.now() + timeoutMs }, (err: ServiceError | null, value?: string) => {
      client.close();
      if (err) reject(err);
      else resolve(value ?? 'UNKNOWN');
    });
  });
}

export function registerHealthCommand(program: Command, io: Io, fail: Fail): void {
  program
    .command('health')
    .description('gRPC health check of a router or storage node: prints SERVING and exits 0, else exits 1')
    .option('--target <host:port>', 'the server to check (default: the router: --router, $RINGKV_ROUTER or 127.0.0.1:7400)')
    .option('--service <name>', 'a service name (ringkv.v1.KV, ringkv.v1.Admin, ringkv.v1.Node); default: the whole server')
    .action(async (flags: { target?: string; service?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<{ router?: string; timeout: string } & SecurityFlags>();
      const envRouter = io.env.RINGKV_ROUTER !== '' ? io.env.RINGKV_ROUTER : undefined;
      // A list of routers (--router A,B): the first one is checked.
      const first = (list: string) => list.split(',')[0]!.trim();
      const [target, what] =
        flags.target !== undefined ? [flags.target, '--target']
        : g.router !== undefined ? [first(g.router), '--router']
        : envRouter !== undefined ? [first(envRouter), 'RINGKV_ROUTER']
        : [DEFAULT_TARGET, 'default'];
      const usage = (message: string): never => {
        io.stderr.write(`error: INVALID_ARGUMENT: ${message}\n`);
        return fail(2);
      };
      const badTarget = hostPortError(target, what);
      if (badTarget) usage(badTarget);
      const timeoutMs = durationMs(g.timeout, '--timeout');
      if (typeof timeoutMs === 'string') return usage(timeoutMs);
      const security = securityOf(g, io.env);
      if (typeof security === 'string') return usage(security);
      let serving: string;
      try {
        serving = await checkHealth(target.trim(), flags.service ?? '', timeoutMs, security.tls);
      } catch (err) {
        const e = err as Partial<ServiceError>;
        const code = CODE_NAMES[e.code ?? -1] ?? 'INTERNAL';
        const why = e.code === grpcStatus.NOT_FOUND ? `unknown service "${flags.service ?? ''}"` : (e.details ?? e.message ?? String(err)).replace(/\s*Resolution note:\s*$/, '');
        io.stderr.write(`error: ${code}: health check of ${target}: ${why}\n`);
        return fail(1);
      }
      io.stdout.write(`${serving}\n`);
      if (serving !== 'SERVING') fail(1);
    });
}

/** Whether argv (process.argv shape) runs `ringkv health`, global options before it included. */
export function isHealthCommand(argv: readonly string[]): boolean {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.split('=')[0]!;
    const takesValue = name === '--router' || name === '--timeout' || SECURITY_VALUE_FLAGS.includes(name);
    if (takesValue && !a.includes('=')) i++;
    else if (!takesValue && a !== '--tls') return a === 'health';
  }
  return false;
}

class HealthExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * `ringkv [--router R] [--timeout T] health ...` without loading the rest of the CLI: the same
 * command and global options as the full program, for container healthchecks.
 */
export async function runHealthCli(argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const program = addSecurityOptions(new Command('ringkv')
    .option('--router <host:port>', 'router address (default: $RINGKV_ROUTER or 127.0.0.1:7400)')
    .option('--timeout <duration>', 'deadline of each request (500ms, 5s, 1m)', '5s'))
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(s.replace(/^error: /, 'error: INVALID_ARGUMENT: ')),
    });
  registerHealthCommand(program, io, (code) => {
    throw new HealthExit(code);
  });
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof HealthExit) return err.code;
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    io.stderr.write(`error: INTERNAL: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
