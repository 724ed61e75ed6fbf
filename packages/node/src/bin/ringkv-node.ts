import { Command, InvalidArgumentError } from 'commander';
import { RingKvError } from '@ringkv/core';
import { StorageNode } from '../storage-node.js';
import { createLogger } from '@ringkv/core';

function positiveInt(what: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive integer`);
    return n;
  };
}

const program = new Command('ringkv-node')
  .description('ringkv storage node: one LevelDB behind the ringkv.v1.Node gRPC service')
  .requiredOption('--id <id>', 'shard id (fixed for the life of the data dir)', process.env.RINGKV_NODE_ID)
  .requiredOption('--listen <host:port>', 'address to listen on', process.env.RINGKV_LISTEN)
  .requiredOption('--data-dir <dir>', 'data directory', process.env.RINGKV_DATA_DIR)
  .option('--max-key-bytes <n>', 'largest key accepted', positiveInt('--max-key-bytes'))
  .option('--max-value-bytes <n>', 'largest value accepted', positiveInt('--max-value-bytes'))
  .option('--sync', 'fsync every write batch (survives machine crashes, slower)', false)
  .option('--tombstone-grace-ms <ms>', 'how long deletes are remembered', positiveInt('--tombstone-grace-ms'))
  .showHelpAfterError();

program.parse();
const opts = program.opts<{
  id: string; listen: string; dataDir: string; maxKeyBytes?: number; maxValueBytes?: number; sync: boolean; tombstoneGraceMs?: number;
}>();
const log = createLogger('ringkv-node', { node: opts.id });

try {
  const node = await StorageNode.start({
    id: opts.id,
    listen: opts.listen,
    dataDir: opts.dataDir,
    sync: opts.sync,
    logger: log,
    limits: {
      ...(opts.maxKeyBytes ? { maxKeyBytes: opts.maxKeyBytes } : {}),
      ...(opts.maxValueBytes ? { maxValueBytes: opts.maxValueBytes } : {}),
    },
    ...(opts.tombstoneGraceMs ? { tombstoneGraceMs: opts.tombstoneGraceMs } : {}),
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    node.close().then(() => process.exit(0), (err) => {
      log.error({ err }, 'close failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  const code = err instanceof RingKvError ? err.code : 'INTERNAL';
  process.stderr.write(`error: ${code}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
