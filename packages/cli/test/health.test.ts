import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '@grpc/grpc-js';
import { bindServer, createServer, shutdownServer, type ServingHealth } from '@ringkv/core';
import { runCli } from '../src/mod.js';
import { isHealthCommand, runHealthCli } from '../src/commands/health.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      cb();
    },
  });
}

type Runner = (argv: readonly string[], io: { stdout: Writable; stderr: Writable; env: NodeJS.ProcessEnv }) => Promise<number>;

async function run(runner: Runner, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const code = await runner(['node', 'ringkv', ...args], { stdout: sink(out), stderr: sink(err), env });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

// The full CLI and the light entry point that `ringkv health` takes (bin/ringkv.js) behave the same.
describe.each([
  ['the full CLI', runCli as Runner],
  ['the light health entry point', runHealthCli as Runner],
])('ringkv health (%s)', (_name, runner) => {
  let server: Server;
  let health: ServingHealth;
  let address: string;

  beforeAll(async () => {
    ({ server, health } = createServer());
    const port = await bindServer(server, '127.0.0.1:0');
    address = `127.0.0.1:${port}`;
    health.setStatus('', 'SERVING');
    health.setStatus('ringkv.v1.Node', 'SERVING');
    health.setStatus('ringkv.v1.Admin', 'NOT_SERVING');
  });
  afterAll(async () => {
    await shutdownServer(server, 1_000);
  });

  it('prints SERVING and exits 0 for a serving server, by --target, --router or RINGKV_ROUTER', async () => {
    expect(await run(runner, ['health', '--target', address])).toEqual({ code: 0, stdout: 'SERVING\n', stderr: '' });
    expect(await run(runner, ['--router', address, 'health'])).toEqual({ code: 0, stdout: 'SERVING\n', stderr: '' });
    expect(await run(runner, ['health'], { RINGKV_ROUTER: address })).toEqual({ code: 0, stdout: 'SERVING\n', stderr: '' });
    expect((await run(runner, ['health', '--target', address, '--service', 'ringkv.v1.Node'])).stdout).toBe('SERVING\n');
  });

  it('exits 1 for a service that is not serving or unknown', async () => {
    expect(await run(runner, ['health', '--target', address, '--service', 'ringkv.v1.Admin'])).toEqual({ code: 1, stdout: 'NOT_SERVING\n', stderr: '' });
    const unknown = await run(runner, ['health', '--target', address, '--service', 'no.such.Service']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: NOT_FOUND: .*no\.such\.Service/);
  });

  it('exits 1 with UNAVAILABLE, promptly, when nothing listens', async () => {
    const started = Date.now();
    const r = await run(runner, ['--timeout', '3s', 'health', '--target', '127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: UNAVAILABLE: health check of 127\.0\.0\.1:1: /);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('exits 2 with INVALID_ARGUMENT for a malformed target or timeout, or an unknown flag', async () => {
    const bad = await run(runner, ['health', '--target', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: INVALID_ARGUMENT: invalid --target "nope"/);
    const badTimeout = await run(runner, ['--timeout', 'soon', 'health', '--target', address]);
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toMatch(/^error: INVALID_ARGUMENT: /);
    const flag = await run(runner, ['health', '--nope']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^error: INVALID_ARGUMENT: /);
  });
});

describe('isHealthCommand (the light entry point of bin/ringkv.js)', () => {
  it('recognizes `health` after the global options, and nothing else', () => {
    const argv = (...a: string[]) => ['node', 'ringkv', ...a];
    expect(isHealthCommand(argv('health'))).toBe(true);
    expect(isHealthCommand(argv('--timeout', '3s', 'health', '--target', 'h:1'))).toBe(true);
    expect(isHealthCommand(argv('--router=h:1', '--timeout', '1s', 'health'))).toBe(true);
    expect(isHealthCommand(argv('get', 'health'))).toBe(false);
    expect(isHealthCommand(argv('--router', 'health'))).toBe(false);
    expect(isHealthCommand(argv())).toBe(false);
    expect(isHealthCommand(argv('--help'))).toBe(false);
  });
});
