import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCertsCommand } from './commands/certs.js';
import { registerCoordinationCommands } from './commands/coordination.js';
import { registerDataCommands } from './commands/data.js';
import { registerDevCommand } from './commands/dev.js';
import { registerHealthCommand } from './commands/health.js';
import { registerMigrationCommands } from './commands/migrations.js';
import { registerReplicationCommands } from './commands/replication.js';
import { registerShardCommands } from './commands/shard.js';
import { registerStatusCommand } from './commands/status.js';
import { DEFAULT_ROUTER, ROUTER_ENV } from './context.js';
import { EXIT_OK, EXIT_USAGE, ExitCode, reportError, type CliIo } from './io.js';
import { addSecurityOptions } from './security-flags.js';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const EXAMPLES = `
Examples:
  ringkv dev                         start a local cluster (3 shards, router on 127.0.0.1:7400)
  ringkv put greeting hello --ttl 1h
  ringkv get greeting
  ringkv scan --prefix user: --limit 10
  ringkv status --json
  ringkv shard add shard-4 127.0.0.1:7404 --dry-run
  ringkv shard add shard-4 127.0.0.1:7404 --wait
  ringkv migrations --watch
  ringkv replication set 3 --wait    keep 3 copies of every key
  ringkv shard remove shard-2 --force --wait   a shard that will never return
  ringkv lock status nightly-report
  ringkv queue stats jobs
  ringkv certs init ./certs --tokens  a development CA, certificate and tokens (README "Security")
  ringkv --tls-ca certs/ca.pem --token-file certs/read-write.token get greeting

Exit status: 0 success, 1 error (including "get" of a missing key), 2 bad command line.`;

/** The whole command tree; output goes to `io`, errors surface as exceptions (exitOverride). */
export function createProgram(io: CliIo): Command {
  const program = addSecurityOptions(new Command('ringkv')
    .description('ringkv: data and admin CLI for a sharded key-value store, and `ringkv dev` for a local cluster')
    .version(packageVersion(), '-V, --version')
    .option('--router <host:port[,host:port...]>', `router address, or several separated by commas (default: $${ROUTER_ENV} or ${DEFAULT_ROUTER})`)
    .option('--timeout <duration>', 'deadline of each request (500ms, 5s, 1m)', '5s'))
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Same shape as every other error: `error: CODE: message`.
      outputError: (s, write) => write(s.replace(/^error: /, 'error: INVALID_ARGUMENT: ')),
    })
    .addHelpText('after', EXAMPLES);
  registerDataCommands(program, io);
  registerCoordinationCommands(program, io);
  registerStatusCommand(program, io);
  registerShardCommands(program, io);
  registerMigrationCommands(program, io);
  registerReplicationCommands(program, io);
  registerDevCommand(program, io);
  registerCertsCommand(program, io);
  registerHealthCommand(program, io, (code) => {
    throw new ExitCode(code);
  });
  return program;
}

/** Runs the CLI on `argv` (process.argv shape) and resolves to the exit status. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv]);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof ExitCode) return err.code;
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    return reportError(io, err);
  }
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
