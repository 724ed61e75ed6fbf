import type { Command } from 'commander';
import { formatHostPort, parseHostPort, validateShardId } from '@ringkv/core';
import { addChangeOptions, runChange, type ChangeFlags } from '../change.js';
import { withClient } from '../context.js';
import { shardListJson, shardListText } from '../format.js';
import { UsageError, parseFlag, type CliIo } from '../io.js';

/** A weight as the router accepts it: a number > 0 (the router caps it at 1000). */
function weightArg(text: string, what: string): number {
  const w = Number(text);
  if (text.trim() === '' || !Number.isFinite(w) || w <= 0) throw new UsageError(`invalid ${what} "${text}": must be a number > 0`);
  return w;
}

export function registerShardCommands(program: Command, io: CliIo): void {
  const shard = program.command('shard').description('cluster membership: list, add, remove, weight');
  shard
    .command('list')
    .description('the shards of the cluster map: id, address, weight, state')
    .option('--json', 'print {"epoch","shards":[{"id","address","weight","state"}]} on one line')
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const map = await withClient(cmd, io, (c) => c.admin.clusterMap());
      io.stdout.write(flags.json ? `${shardListJson(map)}\n` : shardListText(map));
    });

  addChangeOptions(
    shard
      .command('add')
      .description('add the running storage node ID at HOST:PORT and move to it the arcs it takes over')
      .argument('<id>', 'the shard id the node was started with (ringkv-node --id)')
      .argument('<address>', 'the node\'s HOST:PORT')
      .option('--weight <w>', 'relative share of the ring (the others usually have 1)', '1'),
  ).action(async (id: string, address: string, flags: ChangeFlags & { weight: string }, cmd: Command) => {
    parseFlag(() => validateShardId(id));
    const addr = parseFlag(() => formatHostPort(parseHostPort(address, 'HOST:PORT')));
    const weight = weightArg(flags.weight, '--weight');
    await runChange(cmd, io, flags, {
      describe: `add shard ${id} at ${addr}${weight === 1 ? '' : ` with weight ${weight}`}`,
      run: (c, dryRun, timeoutMs) => c.admin.addShard(id, addr, { weight, dryRun, timeoutMs }),
    });
  });

  addChangeOptions(
    shard
      .command('remove')
      .description('drain shard ID (move all its arcs to the others); then it leaves the map and can be stopped')
      .argument('<id>', 'the shard to remove')
      .option('--force', 'the shard will never return: copy its arcs from their other in-sync replicas, not from it ' +
        '(needs replication factor 2 or more)'),
  ).action(async (id: string, flags: ChangeFlags & { force?: boolean }, cmd: Command) => {
    parseFlag(() => validateShardId(id));
    const force = flags.force === true;
    await runChange(cmd, io, flags, {
      describe: force ? `force-remove shard ${id} (re-replicating its arcs from the other replicas)` : `remove shard ${id}`,
      run: (c, dryRun, timeoutMs) => c.admin.removeShard(id, { dryRun, timeoutMs, force }),
    });
  });

  addChangeOptions(
    shard
      .command('weight')
      .description('give shard ID the relative share W of the ring and move the arcs that change owner')
      .argument('<id>', 'the shard')
      .argument('<w>', 'the new weight, > 0'),
  ).action(async (id: string, w: string, flags: ChangeFlags, cmd: Command) => {
    parseFlag(() => validateShardId(id));
    const weight = weightArg(w, 'W');
    await runChange(cmd, io, flags, {
      describe: `set the weight of shard ${id} to ${weight}`,
      run: (c, dryRun, timeoutMs) => c.admin.setWeight(id, weight, { dryRun, timeoutMs }),
    });
  });
}
