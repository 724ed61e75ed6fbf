import { Command, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { ErrorCode, RingKvError, commonServerOptions, createLogger, exitOnStartFailure, loadTlsMaterial, parseHostPort, runUntilSignal, validateShardId, type Logger } from '@ringkv/core';
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
  .option('--id <id>', 'this router\'s name in status and the coordinator election (default: its advertised address)', process.env.RINGKV_ROUTER_ID)
  .option('--advertise <host:port>', 'where other routers and clients reach this router (default: the bound --listen address)', process.env.RINGKV_ADVERTISE)
  .option('--etcd <urls>', 'control plane on etcd (comma-separated http(s)://HOST:PORT): cluster map, coordinator election, router registry; any router then takes membership changes', process.env.RINGKV_ETCD)
  .option('--cluster-name <name>', 'with --etcd: the cluster\'s state lives under /ringkv/<name>/ (default: default)', process.env.RINGKV_CLUSTER_NAME)
  .option('--etcd-ca <file>', 'with --etcd: PEM CA that signed etcd\'s certificate (turns TLS towards etcd on)', process.env.RINGKV_ETCD_CA)
  .option('--etcd-cert <file>', 'with --etcd: PEM client certificate towards etcd (with --etcd-key)', process.env.RINGKV_ETCD_CERT)
  .option('--etcd-key <file>', 'with --etcd: PEM private key of --etcd-cert', process.env.RINGKV_ETCD_KEY)
  .option('--etcd-user <name>', 'with --etcd: etcd user (with --etcd-password-file)', process.env.RINGKV_ETCD_USER)
  .option('--etcd-password-file <file>', 'with --etcd: file holding the etcd user\'s password', process.env.RINGKV_ETCD_PASSWORD_FILE)
  .option('--election-ttl-s <s>', 'with --etcd: TTL of each router\'s etcd session lease, which the coordinator\'s leadership rides on (default 3)', positiveInt('--election-ttl-s'))
  .option('--serve-only', 'without --etcd: serve data and reads, never coordinate, follow the map from the shards (extra routers of a lone-router cluster)', false)
  .option('--coordinator', 'deprecated, ignored: failover is on by default (a lone router coordinates itself; routers on etcd elect one)', false)
  .option('--failure-timeout-ms <ms>', 'the coordinator fails over a shard silent this long (default 3000)', positiveInt('--failure-timeout-ms'))
  .option('--heartbeat-interval-ms <ms>', 'how often the coordinator checks each shard (default 500)', positiveInt('--heartbeat-interval-ms'))
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
  id?: string; advertise?: string; etcd?: string; clusterName?: string; etcdCa?: string; etcdCert?: string; etcdKey?: string;
  etcdUser?: string; etcdPasswordFile?: string; electionTtlS?: number; serveOnly: boolean;
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

if (opts.coordinator || process.env.RINGKV_COORDINATOR === '1') {
  log.warn('--coordinator is deprecated and ignored: failover is on by default (a lone router coordinates itself; routers on etcd elect one)');
}

/** The etcd options, read inside start so a bad password file is reported like every start failure. */
function etcdOptions() {
  if (!opts.etcd) return {};
  if (opts.serveOnly) throw new RingKvError(ErrorCode.INVALID_ARGUMENT, '--serve-only is for routers without --etcd (on etcd the routers elect their coordinator)');
  let password: string | undefined;
  if (opts.etcdUser) {
    if (!opts.etcdPasswordFile) throw new RingKvError(ErrorCode.INVALID_ARGUMENT, '--etcd-user needs --etcd-password-file');
    password = readFileSync(opts.etcdPasswordFile, 'utf8').trim();
  }
  return {
    etcd: {
      endpoints: opts.etcd.split(',').map((e) => e.trim()).filter(Boolean),
      ...(opts.clusterName ? { cluster: opts.clusterName } : {}),
      ...(opts.etcdCa || opts.etcdCert || opts.etcdKey ? { tls: { caFile: opts.etcdCa, certFile: opts.etcdCert, keyFile: opts.etcdKey } } : {}),
      ...(opts.etcdUser ? { auth: { username: opts.etcdUser, password: password! } } : {}),
      ...(opts.electionTtlS ? { sessionTtlSeconds: opts.electionTtlS } : {}),
    },
  };
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
    ...(opts.id ? { id: opts.id } : {}),
    ...(opts.advertise ? { advertise: opts.advertise } : {}),
    serveOnly: opts.serveOnly || process.env.RINGKV_SERVE_ONLY === '1',
    ...etcdOptions(),
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
