import type { Command } from 'commander';
import { withClient } from '../context.js';
import { statusJson, statusText } from '../format.js';
import type { CliIo } from '../io.js';

export function registerStatusCommand(program: Command, io: CliIo): void {
  program
    .command('status')
    .description('cluster epoch, shards (reachability, replica state, live keys, bytes), migrations, replication ' +
      '(factor, arc groups with their primary and in-sync replicas, under-replicated arcs), primary leases (replication factor > 1) ' +
      'and the control plane (map source, coordinator, every router with the epoch it has seen)')
    .option('--json', 'print {"epoch","shards":[{"id","address","weight","state","replicaState","keys","bytes","lease":{"primary","held","remainingMs","grantor","durationMs"}}],"migrations",' +
      '"replicationFactor","arcGroups":[{"replicas","primary","inSync","arcs","fraction","underReplicated"}],' +
      '"underReplicatedArcs","underReplicatedFraction","controlPlane":"file|etcd","coordinator":{"id","address"},' +
      '"routers":[{"id","address","epoch","coordinator"}]} on one line')
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const status = await withClient(cmd, io, (c) => c.admin.status());
      io.stdout.write(flags.json ? `${statusJson(status)}\n` : statusText(status));
    });
}
