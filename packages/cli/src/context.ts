import type { Command } from 'commander';
import { formatHostPort, parseDurationMs, parseHostPort } from '@ringkv/core';
import { RingKvClient } from '@ringkv/client';
import { UsageError, parseFlag, type CliIo } from './io.js';
import { securityOf, type CliSecurity, type SecurityFlags } from './security-flags.js';

export const DEFAULT_ROUTER = '127.0.0.1:7400';
export const ROUTER_ENV = 'RINGKV_ROUTER';
/** Connecting is capped below --timeout: an unreachable router should fail fast. */
const MAX_CONNECT_MS = 3_000;

export interface GlobalOptions extends SecurityFlags {
  router?: string;
  timeout: string;
}

export interface Target {
  /** One or more routers (`--router A,B`), normalised, in the given order. */
  routers: string[];
  timeoutMs: number;
  /** Token and TLS from --token, --tls-ca ... and their environment variables. */
  security: CliSecurity;
}

/** The routers and deadline every data and admin command uses, from flags and environment. */
export function targetOf(cmd: Command, io: CliIo): Target {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const fromEnv = g.router === undefined && io.env[ROUTER_ENV] !== undefined && io.env[ROUTER_ENV] !== '';
  const text = g.router ?? (fromEnv ? io.env[ROUTER_ENV]! : DEFAULT_ROUTER);
  const routers = parseFlag(() => parseRouterList(text, fromEnv ? ROUTER_ENV : '--router'));
  const timeoutMs = parseFlag(() => parseDurationMs(g.timeout, '--timeout'));
  const security = securityOf(g, io.env);
  if (typeof security === 'string') throw new UsageError(security);
  return { routers, timeoutMs, security };
}

/** `HOST:PORT` or a comma-separated list of them (spaces allowed around commas). */
export function parseRouterList(text: string, what: string): string[] {
  const parts = text.split(',').map((p) => p.trim());
  return parts.map((p) => formatHostPort(parseHostPort(p, parts.length > 1 ? `router address in ${what}` : what)));
}

/** Connects, runs `fn`, and always closes the client. */
export async function withClient<T>(cmd: Command, io: CliIo, fn: (client: RingKvClient, t: Target) => Promise<T>): Promise<T> {
  const t = targetOf(cmd, io);
  const client = await RingKvClient.connect({
    routers: t.routers,
    timeoutMs: t.timeoutMs,
    connectTimeoutMs: Math.min(t.timeoutMs, MAX_CONNECT_MS),
    ...(t.security.token !== undefined ? { token: t.security.token } : {}),
    ...(t.security.tls ? { tls: t.security.tls } : {}),
  });
  try {
    return await fn(client, t);
  } finally {
    await client.close();
  }
}
