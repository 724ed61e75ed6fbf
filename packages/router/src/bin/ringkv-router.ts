import { Command, InvalidArgumentError } from 'commander';
import { commonServerOptions, createLogger, exitOnStartFailure, loadTlsMaterial, parseHostPort, runUntilSignal, validateShardId, type Logger } from '@ringkv/core';
import { addInFlightFlags, addLimitFlags, addObservabilityFlags, positiveInt } from '@ringkv/core/server-cli';
import { Router, type BootstrapShard } from '../router.js';
import { loadTokensFile } from '../tokens.js';

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
  .option('--replication-factor <n>', 'copies of every key for a new cluster, 1 to 5 (later: ringkv replication set N)', positiveInt('--replication-factor'))
  .option('--coordinator', 'coordinate replication: detect failed shards, fail their arcs over, bring returning shards back in sync (run exactly one per cluster; make membership changes through it)', false)
  .option('--failure-timeout-ms <ms>', 'with --coordinator: a shard silent this long fails over (default 3000)', positiveInt('--failure-timeout-ms'))
  .option('--heartbeat-interval-ms <ms>', 'with --coordinator: how often each shard is checked (default 500)', positiveInt('--heartbeat-interval-ms'))
  .option('--migration-arcs <n>', 'arcs migrated at once', positiveInt('--migration-arcs'))
  .option('--migration-rate <bytes-per-sec>', 'byte-rate limit of each arc stream (0 = unlimited)', (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('--migration-rate must be a non-negative integer');
    return n;
  })
  .option('--request-timeout-ms <ms>', 'deadline of each router -> shard call', positiveInt('--request-timeout-ms'))
  .option('--tls-cert <file>', 'PEM certificate: serves TLS to clients and is the client certificate towards shards (with --tls-key, --tls-ca)', process.env.RINGKV_TLS_CERT)
  .option('--tls-key <file>', 'PEM private key of --tls-cert', process.env.RINGKV_TLS_KEY)
  .option('--tls-ca <file>', 'PEM CA that signed the shards\' certificates', process.env.RINGKV_TLS_CA)
  .option('--tokens <file>', 'access tokens, {"tokens":[{"token":"...","role":"read-only|read-write|admin"}]}; reloaded on SIGHUP', process.env.RINGKV_TOKENS_FILE)
  .showHelpAfterError();
addLimitFlags(program);
addObservabilityFlags(program);
addInFlightFlags(program);

program.parse();
const opts = program.opts<{
  listen: string; dataDir: string; shard?: BootstrapShard[]; vnodesPerWeight?: number;
  replicationFactor?: number; coordinator: boolean; failureTimeoutMs?: number; heartbeatIntervalMs?: number;
  maxKeyBytes?: number; maxValueBytes?: number;
  maxInFlightOps?: number; maxInFlightBytes?: number; maxStreamInFlightOps?: number; requestTimeoutMs?: number; migrationArcs?: number; migrationRate?: number;
  metrics?: string; slowRequestMs?: number; tlsCert?: string; tlsKey?: string; tlsCa?: string; tokens?: string;
}>();
let log: Logger;
try {
  log = createLogger('ringkv-router');
} catch (err) {
  exitOnStartFailure(err);
}

/** Read inside start so a bad file is reported like every start failure: `error: CODE: message`. */
function securityOptions() {
  const tls = loadTlsMaterial({ cert: opts.tlsCert, key: opts.tlsKey, ca: opts.tlsCa });
  return { ...(tls ? { tls } : {}), ...(opts.tokens ? { tokens: loadTokensFile(opts.tokens) } : {}) };
}

await runUntilSignal(log, async () => {
  const router = await startRouter();
  reloadTokensOnHangup(router, opts.tokens);
  return router;
});

function startRouter(): Promise<Router> {
  return Router.start({
    listen: opts.listen,
    dataDir: opts.dataDir,
    shards: opts.shard ?? envShards,
    logger: log,
    ...commonServerOptions(opts),
    ...(opts.vnodesPerWeight ? { vnodesPerWeight: opts.vnodesPerWeight } : {}),
    ...(opts.replicationFactor ? { replicationFactor: opts.replicationFactor } : {}),
    coordinator: opts.coordinator || process.env.RINGKV_COORDINATOR === '1',
    ...(opts.failureTimeoutMs ? { failureTimeoutMs: opts.failureTimeoutMs } : {}),
    ...(opts.heartbeatIntervalMs ? { heartbeatIntervalMs: opts.heartbeatIntervalMs } : {}),
    ...(opts.requestTimeoutMs ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
    ...(opts.migrationArcs ? { migrationArcConcurrency: opts.migrationArcs } : {}),
    ...(opts.migrationRate !== undefined ? { migrationRateBytesPerSec: opts.migrationRate } : {}),
    ...securityOptions(),
  });
}

/** SIGHUP re-reads the tokens file; a file that does not parse leaves the current tokens in force. */
function reloadTokensOnHangup(router: Router, path: string | undefined): void {
  process.on('SIGHUP', () => {
    // Without --tokens there is nothing to reload; SIGHUP must not end the process (Node's default).
    if (path === undefined) {
      log.info('SIGHUP: no --tokens file to reload');
      return;
    }
    try {
      const tokens = loadTokensFile(path);
      router.access.replace(tokens);
      log.info({ path, tokens: tokens.length }, 'access tokens reloaded');
    } catch (err) {
      log.error({ path, err: (err as Error).message }, 'access tokens not reloaded; the previous ones stay in force');
    }
  });
}
