import type { Command } from 'commander';
import { parseDurationMs } from '@ringkv/core';
import { addChangeOptions, runChange, type ChangeFlags } from '../change.js';
import { withClient } from '../context.js';
import { migrationJson } from '../format.js';
import { migrationsText } from '../format-migration.js';
import { parseFlag, type CliIo } from '../io.js';
import { MigrationProgress } from '../migration-progress.js';
import { watchMigration } from '../migration-watch.js';

interface MigrationsFlags {
  watch?: boolean;
  json?: boolean;
  interval: string;
}

/** `ringkv migrations` watches until done, however long that takes (Ctrl-C stops watching). */
const WATCH_FOREVER_MS = 365 * 24 * 3600_000;

export function registerMigrationCommands(program: Command, io: CliIo): void {
  program
    .command('migrations')
    .description('the arcs moving between shards: state, keys and bytes moved, rate, ETA')
    .option('--watch', 'keep showing progress bars until no migration is left')
    .option('--interval <duration>', 'with --watch: how often to poll the router', '1s')
    .option('--json', 'print {"epoch","migrations":[{"arc","from","to","state","keysMoved","bytesMoved"}]} on one line')
    .action(async (flags: MigrationsFlags, cmd: Command) => {
      const intervalMs = parseFlag(() => parseDurationMs(flags.interval, '--interval'));
      await withClient(cmd, io, async (client, t) => {
        const status = await client.admin.status();
        if (flags.json) {
          io.stdout.write(`${JSON.stringify({
            epoch: Number(status.epoch),
            migrations: status.migrations.map(migrationJson),
            ...(status.migrationError ? { migrationError: status.migrationError } : {}),
          })}\n`);
        } else {
          io.stdout.write(migrationsText(new MigrationProgress().update(status)));
        }
        if (!flags.watch || status.migrations.length === 0) return;
        const done = await watchMigration(client, {
          sinceEpoch: status.epoch,
          timeoutMs: WATCH_FOREVER_MS,
          intervalMs,
          statusTimeoutMs: Math.max(t.timeoutMs, 10_000),
          stream: io.stdout,
          timeoutFlag: '--watch',
        });
        io.stdout.write(`migration complete at epoch ${done.epoch}\n`);
      });
    });

  addChangeOptions(
    program
      .command('rebalance')
      .description('with --dry-run: the arcs still to move; without: resume a stalled membership change'),
  ).action(async (flags: ChangeFlags, cmd: Command) => {
    await runChange(cmd, io, flags, {
      describe: 'rebalance',
      resumes: true,
      run: (c, dryRun, timeoutMs) => c.admin.rebalance({ dryRun, timeoutMs }),
    });
  });
}
