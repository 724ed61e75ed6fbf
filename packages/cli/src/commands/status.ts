import type { Command } from 'commander';
import { withClient } from '../context.js';
import { statusJson, statusText } from '../format.js';
import type { CliIo } from '../io.js';

export function registerStatusCommand(program: Command, io: CliIo): void {
  program
    .command('status')
    .description('cluster epoch, shards (reachability, live keys, bytes) and migrations')
    .option('--json', 'print {"epoch","shards":[{"id","address","weight","state","keys","bytes"}],"migrations"} on one line')
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const status = await withClient(cmd, io, (c) => c.admin.status());
      io.stdout.write(flags.json ? `${statusJson(status)}\n` : statusText(status));
    });
}
