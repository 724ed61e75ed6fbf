import { Command, InvalidArgumentError } from 'commander';
import { createLogger, parseHostPort, runUntilSignal, validateShardId } from '@ringkv/core';
import { Router, type BootstrapShard } from '../router.js';

function positiveInt(what: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive integer`);
    return n;
  };
}

function shardFlag(value: string, previous: BootstrapShard[] = []): BootstrapShard[] {
  const m = /^([^=]+)=(.+)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected ID=HOST:PORT, got "${value}"`);
  try {
    validateShardId(m[1]!);
    parseHostPort(m[2]!, `address of shard ${m[1]}`);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return [...previous, { id: m[1]!, address: m[2]! }];
}

const envShards = (process.env.RINGKV_SHARDS ?? '').split(',').filter(Boolean).reduce<BootstrapShard[]>((acc, s) => shardFlag(s.trim(), acc), []);

const program = new Command('ringkv-router')
  .description('ringkv router: serves the KV and Admin APIs and forwards each key to its owner shard')
  .requiredOption('--listen <host:port>', 'address to listen on', process.env.RINGKV_LISTEN)
  .requiredOption('--data-dir <dir>', 'where the cluster map is kept', process.env.RINGKV_DATA_DIR)
  .option('--shard <id=host:port>', 'bootstrap shard (repeat); ignored once a cluster map exists', shardFlag)
  .option('--vnodes-per-weight <n>', 'virtual nodes per unit of weight for a new cluster', positiveInt('--vnodes-per-weight'))
  .option('--max-key-bytes <n>', 'largest key accepted', positiveInt('--max-key-bytes'))
  .option('--max-value-bytes <n>', 'largest value accepted', positiveInt('--max-value-bytes'))
  .option('--migration-arcs <n>', 'arcs migrated at once', positiveInt('--migration-arcs'))
  .option('--migration-rate <bytes-per-sec>', 'byte-rate limit of each arc stream (0 = unlimited)', (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('--migration-rate must be a non-negative integer');
    return n;
  })
  .option('--request-timeout-ms <ms>', 'deadline of each router -> shard call', positiveInt('--request-timeout-ms'))
  .option('--max-in-flight-ops <n>', 'operations executed at once; more get RESOURCE_EXHAUSTED (default 100000)', positiveInt('--max-in-flight-ops'))
  .option('--max-in-flight-bytes <n>', 'payload bytes executed at once; more get RESOURCE_EXHAUSTED (default 268435456)', positiveInt('--max-in-flight-bytes'))
  .option('--max-stream-in-flight-ops <n>', 'operations in flight on one Pipeline stream (default 50000)', positiveInt('--max-stream-in-flight-ops'))
  .showHelpAfterError();

program.parse();
const opts = program.opts<{
  listen: string; dataDir: string; shard?: BootstrapShard[]; vnodesPerWeight?: number;
  maxKeyBytes?: number; maxValueBytes?: number;
  maxInFlightOps?: number; maxInFlightBytes?: number; maxStreamInFlightOps?: number; requestTimeoutMs?: number; migrationArcs?: number; migrationRate?: number;
}>();
const log = createLogger('ringkv-router');

await runUntilSignal(log, () => Router.start({
  listen: opts.listen,
  dataDir: opts.dataDir,
  shards: opts.shard ?? envShards,
  logger: log,
  ...(opts.maxInFlightOps ? { maxInFlightOps: opts.maxInFlightOps } : {}),
  ...(opts.maxInFlightBytes ? { maxInFlightBytes: opts.maxInFlightBytes } : {}),
  ...(opts.maxStreamInFlightOps ? { maxStreamInFlightOps: opts.maxStreamInFlightOps } : {}),
  limits: {
    ...(opts.maxKeyBytes ? { maxKeyBytes: opts.maxKeyBytes } : {}),
    ...(opts.maxValueBytes ? { maxValueBytes: opts.maxValueBytes } : {}),
  },
  ...(opts.vnodesPerWeight ? { vnodesPerWeight: opts.vnodesPerWeight } : {}),
  ...(opts.requestTimeoutMs ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
  ...(opts.migrationArcs ? { migrationArcConcurrency: opts.migrationArcs } : {}),
  ...(opts.migrationRate !== undefined ? { migrationRateBytesPerSec: opts.migrationRate } : {}),
}));
