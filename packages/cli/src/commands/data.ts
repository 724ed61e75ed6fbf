import { Command, Option } from 'commander';
import { parseDurationMs } from '@ringkv/core';
import type { PutOptions, ScanOptions } from '@ringkv/client';
import { withClient } from '../context.js';
import { scanEntryJson } from '../format.js';
import { EXIT_ERROR, ExitCode, UsageError, parseFlag, type CliIo } from '../io.js';

// Data commands: put, get, del, scan. Keys and values on the command line are UTF-8 text.

interface PutFlags {
  ttl?: string;
  ifVersion?: string;
  ifAbsent?: boolean;
}

function version(text: string, flag: string): bigint {
  if (!/^\d{1,20}$/.test(text)) throw new UsageError(`invalid ${flag} "${text}": expected a version number as printed by put`);
  return BigInt(text);
}

function nonEmptyKey(key: string): string {
  if (key === '') throw new UsageError('KEY must not be empty');
  return key;
}

export function registerDataCommands(program: Command, io: CliIo): void {
  program
    .command('put')
    .description('write VALUE under KEY and print the new version')
    .argument('<key>', 'the key')
    .argument('<value>', 'the value')
    .option('--ttl <duration>', 'expire the key after this long (500ms, 10s, 5m, 1h)')
    .option('--if-version <version>', 'write only if the key is at this version')
    .addOption(new Option('--if-absent', 'write only if the key does not exist').conflicts('ifVersion'))
    .action(async (key: string, value: string, flags: PutFlags, cmd: Command) => {
      const options: PutOptions = {};
      nonEmptyKey(key);
      if (flags.ttl !== undefined) options.ttlMs = parseFlag(() => parseDurationMs(flags.ttl!, '--ttl'));
      if (flags.ifVersion !== undefined) options.ifVersion = version(flags.ifVersion, '--if-version');
      if (flags.ifAbsent) options.ifAbsent = true;
      const v = await withClient(cmd, io, (c) => c.put(key, value, options));
      io.stdout.write(`${v}\n`);
    });

  program
    .command('get')
    .description('print the value of KEY (exit 1 if it does not exist)')
    .argument('<key>', 'the key')
    .action(async (key: string, _flags: object, cmd: Command) => {
      nonEmptyKey(key);
      const value = await withClient(cmd, io, (c) => c.get(key));
      if (value === undefined) {
        io.stderr.write('(not found)\n');
        throw new ExitCode(EXIT_ERROR);
      }
      io.stdout.write(Buffer.concat([value, Buffer.from('\n')]));
    });

  program
    .command('del')
    .description('delete KEY; prints "deleted" or "not found"')
    .argument('<key>', 'the key')
    .option('--if-version <version>', 'delete only if the key is at this version')
    .action(async (key: string, flags: { ifVersion?: string }, cmd: Command) => {
      nonEmptyKey(key);
      const ifVersion = flags.ifVersion === undefined ? undefined : version(flags.ifVersion, '--if-version');
      const existed = await withClient(cmd, io, (c) => c.delete(key, ifVersion === undefined ? {} : { ifVersion }));
      io.stdout.write(existed ? 'deleted\n' : 'not found\n');
    });

  program
    .command('scan')
    .description('list keys in ring order: KEY<TAB>VALUE lines, or JSON lines with --json')
    .option('--prefix <prefix>', 'only keys starting with this text')
    .option('--limit <n>', 'stop after this many entries')
    .option('--json', 'one JSON object per line: {"key","value","version"}')
    .action(async (flags: { prefix?: string; limit?: string; json?: boolean }, cmd: Command) => {
      const options: ScanOptions = {};
      if (flags.prefix !== undefined) options.prefix = flags.prefix;
      if (flags.limit !== undefined) {
        if (!/^\d+$/.test(flags.limit) || Number(flags.limit) < 1) throw new UsageError(`invalid --limit "${flags.limit}": expected a whole number >= 1`);
        options.limit = Number(flags.limit);
      }
      const tab = Buffer.from('\t');
      const nl = Buffer.from('\n');
      await withClient(cmd, io, async (c) => {
        for await (const e of c.scan(options)) {
          io.stdout.write(flags.json ? `${scanEntryJson(e)}\n` : Buffer.concat([e.key, tab, e.value, nl]));
        }
      });
    });
}
