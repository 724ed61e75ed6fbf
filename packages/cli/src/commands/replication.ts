import type { Command } from 'commander';
import { MAX_REPLICATION_FACTOR } from '@ringkv/core';
import { addChangeOptions, runChange, type ChangeFlags } from '../change.js';
import { UsageError, type CliIo } from '../io.js';

/** A replication factor as the router accepts it: a whole number from 1 to 5. */
export function replicationFactorArg(text: string, what: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_REPLICATION_FACTOR) {
    throw new UsageError(`invalid ${what} "${text}": expected a whole number from 1 to ${MAX_REPLICATION_FACTOR}`);
  }
  return n;
}

export function registerReplicationCommands(program: Command, io: CliIo): void {
  const replication = program.command('replication').description('copies of every key: change the replication factor');
  addChangeOptions(
    replication
      .command('set')
      .description(
        'keep N copies of every key (1 to 5): copy every arc to the replicas it gains (a migration, like shard add), ' +
          'or drop the extra copies when N is lower; `ringkv status` shows the result',
      )
      .argument('<n>', `the new replication factor, 1 to ${MAX_REPLICATION_FACTOR}`),
  ).action(async (text: string, flags: ChangeFlags, cmd: Command) => {
    const n = replicationFactorArg(text, 'replication factor');
    let current: number | undefined;
    await runChange(cmd, io, flags, {
      describe: () => (current === undefined || current === n
        ? `set the replication factor to ${n}`
        : `change the replication factor from ${current} to ${n}`),
      run: async (c, dryRun, timeoutMs) => {
        const map = await c.admin.clusterMap({ timeoutMs });
        current = map.replicationFactor;
        const shards = map.members.length;
        if (n > shards) {
          io.stderr.write(`warning: the cluster has ${shards} ${shards === 1 ? 'shard' : 'shards'}: each key gets ${shards} ` +
            `${shards === 1 ? 'copy' : 'copies'} until more shards join (then ${n})\n`);
        }
        return c.admin.setReplicationFactor(n, { dryRun, timeoutMs });
      },
    });
  });
}
