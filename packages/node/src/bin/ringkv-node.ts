import { Command } from 'commander';
import { StorageNode } from '../storage-node.js';
import { commonServerOptions, createLogger, exitOnStartFailure, loadTlsMaterial, runUntilSignal, type Logger } from '@ringkv/core';
import { addInFlightFlags, addLimitFlags, addObservabilityFlags, positiveInt } from '@ringkv/core/server-cli';

const program = new Command('ringkv-node')
  .description('ringkv storage node: one LevelDB behind the ringkv.v1.Node gRPC service')
  .requiredOption('--id <id>', 'shard id (fixed for the life of the data dir)', process.env.RINGKV_NODE_ID)
  .requiredOption('--listen <host:port>', 'address to listen on', process.env.RINGKV_LISTEN)
  .requiredOption('--data-dir <dir>', 'data directory', process.env.RINGKV_DATA_DIR)
  .option('--sync', 'fsync every write batch (survives machine crashes, slower)', false)
  .option('--tombstone-grace-ms <ms>', 'how long deletes are remembered', positiveInt('--tombstone-grace-ms'))
  .option('--replication-timeout-ms <ms>', 'how long a primary waits for a replica before failing the write and reporting the replica (default 2000)', positiveInt('--replication-timeout-ms'))
  .option('--tls-cert <file>', 'PEM certificate: turns on mutual TLS (with --tls-key and --tls-ca)', process.env.RINGKV_TLS_CERT)
  .option('--tls-key <file>', 'PEM private key of --tls-cert', process.env.RINGKV_TLS_KEY)
  .option('--tls-ca <file>', 'PEM CA: routers and peers must present a certificate it signed', process.env.RINGKV_TLS_CA)
  .showHelpAfterError();
addLimitFlags(program);
addObservabilityFlags(program);
addInFlightFlags(program);

program.parse();
const opts = program.opts<{
  id: string; listen: string; dataDir: string; maxKeyBytes?: number; maxValueBytes?: number;
  maxInFlightOps?: number; maxInFlightBytes?: number; maxStreamInFlightOps?: number; sync: boolean; tombstoneGraceMs?: number; replicationTimeoutMs?: number;
  metrics?: string; slowRequestMs?: number; tlsCert?: string; tlsKey?: string; tlsCa?: string;
}>();
let log: Logger;
try {
  log = createLogger('ringkv-node', { node: opts.id });
} catch (err) {
  exitOnStartFailure(err);
}

await runUntilSignal(log, async () => StorageNode.start({
  id: opts.id,
  listen: opts.listen,
  dataDir: opts.dataDir,
  sync: opts.sync,
  logger: log,
  ...commonServerOptions(opts),
  ...(opts.tombstoneGraceMs ? { tombstoneGraceMs: opts.tombstoneGraceMs } : {}),
  ...(opts.replicationTimeoutMs ? { replicationTimeoutMs: opts.replicationTimeoutMs } : {}),
  ...tlsOption(),
}));

/** Read inside start so a bad file is reported like every start failure: `error: CODE: message`. */
function tlsOption() {
  const tls = loadTlsMaterial({ cert: opts.tlsCert, key: opts.tlsKey, ca: opts.tlsCa });
  return tls ? { tls } : {};
}
