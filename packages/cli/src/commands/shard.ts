import type { Command } from 'commander';
import { withClient } from '../context.js';
import { shardListJson, shardListText } from '../format.js';
import type { CliIo } from '../io.js';

export function registerShardCommands(program: Command, io: CliIo): void {
  const shard = program.command('shard').description('cluster membership');
  shard
    .command('list')
    .description('the shards of the cluster map: id, address, weight, state')
    .option('--json', 'print {"epoch","shards":[{"id","address","weight","state"}]} on one line')
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const map = await withClient(cmd, io, (c) => c.admin.clusterMap());
      io.stdout.write(flags.json ? `${shardListJson(map)}\n` : shardListText(map));
    });
}
