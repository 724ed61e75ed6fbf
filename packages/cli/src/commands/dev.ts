import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ClusterStatus } from '@ringkv/client';
import { ErrorCode, RingKvError } from '@ringkv/core';
import { DevCluster, describeExit, resolveBins } from '../dev-cluster.js';
import { findEtcd } from '../etcd-server.js';
import { resolveLayout, saveLayout, type DevRequest } from '../dev-layout.js';
import { lockDataDir } from '../dev-lock.js';
import { DEFAULT_ROUTER, ROUTER_ENV } from '../context.js';
import { replicationFactorArg } from './replication.js';
import { EXIT_ERROR, EXIT_OK, ExitCode, UsageError, parseFlag, type CliIo } from '../io.js';

interface DevFlags {
  shards: string;
  dataDir: string;
  port: string;
  host: string;
  replicationFactor: string;
  routers: string;
  etcd: boolean;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function wholeNumber(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`invalid ${flag} "${text}": expected a whole number`);
  return Number(text);
}

export function registerDevCommand(program: Command, io: CliIo): void {
  program
    .command('dev')
    .description('run a local cluster in the foreground: N storage nodes and one or more routers (and etcd), as child processes')
    .option('--shards <n>', 'number of storage nodes (shard-1..shard-N on ports PORT+1..PORT+N)', '3')
    .option('--data-dir <dir>', 'where data, logs and the layout (dev.json) live', './data')
    .option('--port <port>', 'router port', '7400')
    .option('--host <host>', 'address every process listens on', '127.0.0.1')
    .option('--replication-factor <n>', 'copies of every key for a new cluster, 1 to 5 (later: ringkv replication set N)', '1')
    .option('--routers <n>', 'routers for a new cluster: the first on --port, the others on the ports after the shards; ' +
      'without --etcd the first coordinates and the others only serve', '1')
    .option('--etcd', 'for a new cluster: run one etcd member from PATH (on the ports after the routers) and put every router on it; ' +
      'the routers elect a coordinator, and any of them takes admin changes', false)
    .action(async (flags: DevFlags, cmd: Command) => {
      const explicit = (name: string) => cmd.getOptionValueSource(name) === 'cli';
      const req: DevRequest = {
        shards: wholeNumber(flags.shards, '--shards'),
        port: wholeNumber(flags.port, '--port'),
        host: flags.host,
        routers: wholeNumber(flags.routers, '--routers'),
        etcd: flags.etcd,
        explicit: { shards: explicit('shards'), port: explicit('port'), host: explicit('host'), routers: explicit('routers'), etcd: explicit('etcd') },
      };
      const replicationFactor = replicationFactorArg(flags.replicationFactor, '--replication-factor');
      const dataDir = resolve(flags.dataDir);
      const code = await runDev(io, dataDir, req, { replicationFactor, explicit: explicit('replicationFactor') });
      throw new ExitCode(code);
    });
}

export interface DevReplication {
  /** Copies of every key, for a new cluster (the router's --replication-factor). */
  replicationFactor: number;
  /** Given on the command line (so worth a warning when an existing cluster ignores it). */
  explicit: boolean;
}

/** Runs the cluster until a stop signal (exit 0) or an unexpected child exit (exit 1). */
export async function runDev(io: CliIo, dataDir: string, req: DevRequest, replication: DevReplication = { replicationFactor: 1, explicit: false }): Promise<number> {
  const warn = (line: string) => io.stderr.write(`warning: ${line}\n`);
  const bins = resolveBins();
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  try {
    const { layout, warnings, existing } = parseFlag(() => resolveLayout(dataDir, req));
    const rf = replication.replicationFactor;
    if (!existing && rf > layout.shards.length) {
      throw new UsageError(`--replication-factor ${rf} needs at least ${rf} shards, got --shards ${layout.shards.length}`);
    }
    if (existing && replication.explicit) {
      warnings.push(`--replication-factor ${rf} ignored: it only applies to a new cluster; change it with: ringkv replication set ${rf}`);
    }
    for (const w of warnings) warn(w);
    if (layout.etcd) requireEtcd(existing && !req.etcd ? `the cluster in ${dataDir} was made with --etcd: ringkv dev` : 'ringkv dev --etcd');
    saveLayout(dataDir, layout);
    return await superviseCluster(io, new DevCluster(dataDir, layout, bins, { replicationFactor: rf }), existing);
  } finally {
    unlock();
  }
}

/** Checked before anything starts, so a missing etcd leaves nothing running. */
function requireEtcd(who: string): void {
  try {
    findEtcd();
  } catch {
    throw new RingKvError(ErrorCode.NOT_FOUND,
      `${who} needs etcd on PATH; on Debian/Ubuntu: apt-get install etcd-server (or put an etcd 3.4+ binary on PATH)`);
  }
}

async function superviseCluster(io: CliIo, cluster: DevCluster, existing: boolean): Promise<number> {
  const say = (line: string) => io.stdout.write(`${line}\n`);
  const warn = (line: string) => io.stderr.write(`warning: ${line}\n`);
  const { layout, dataDir } = cluster;
  let signalled = 0;
  let onStop!: (sig: NodeJS.Signals) => void;
  const stopRequested = new Promise<NodeJS.Signals>((r) => (onStop = r));
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signalled === 1) return onStop(sig);
    // A second Ctrl-C: do not wait for a graceful stop.
    cluster.killNow();
    process.exit(EXIT_ERROR);
  };
  const onExit = () => cluster.killNow();
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  process.on('exit', onExit);

  try {
    const routers = cluster.routers;
    const what = `${layout.shards.length} shards, ${routers.length === 1 ? 'a router' : `${routers.length} routers`}${layout.etcd ? ' and etcd' : ''}`;
    say(`${existing ? 'restarting' : 'starting'} ${what} from ${dataDir}`);
    const names = [...(layout.etcd ? ['etcd'] : []), ...layout.shards.map((s) => s.id), ...routers.map((r) => r.id)];
    say(`logs: ${join(dataDir, 'logs')}/<name>.log (${names.join(', ')})`);
    const ready = (async () => {
      await cluster.start(READY_TIMEOUT_MS);
      return cluster.waitReady(READY_TIMEOUT_MS);
    })();
    const first = await Promise.race([
      ready.then((status) => ({ kind: 'ready' as const, status })),
      stopRequested.then((sig) => ({ kind: 'signal' as const, sig })),
    ]);
    if (first.kind === 'signal') {
      say(`${first.sig}: stopping`);
      ready.catch(() => {});
      await cluster.stop(STOP_GRACE_MS, warn);
      return EXIT_OK;
    }
    say(banner(cluster, first.status));

    const end = await Promise.race([
      stopRequested.then((sig) => ({ kind: 'signal' as const, sig })),
      cluster.failed.then((exit) => ({ kind: 'failed' as const, exit })),
    ]);
    if (end.kind === 'signal') {
      say(`${end.sig}: stopping the cluster`);
      await cluster.stop(STOP_GRACE_MS, warn);
      say('stopped');
      return EXIT_OK;
    }
    io.stderr.write(`error: UNAVAILABLE: ${describeExit(end.exit)} unexpectedly; stopping the others\n`);
    printTail(io, cluster, end.exit.name);
    await cluster.stop(STOP_GRACE_MS, warn);
    return EXIT_ERROR;
  } catch (err) {
    // Start-up failed: say which child and why, then stop the rest.
    const failedChild = cluster.failure;
    await cluster.stop(STOP_GRACE_MS, warn);
    if (failedChild) printTail(io, cluster, failedChild.name);
    throw err;
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    process.off('exit', onExit);
  }
}

function printTail(io: CliIo, cluster: DevCluster, name: string): void {
  const tail = cluster.logTail(name);
  if (tail) io.stderr.write(`--- last lines of ${cluster.logFile(name)}:\n${tail}\n---\n`);
}

function banner(cluster: DevCluster, status: ClusterStatus): string {
  const routers = cluster.routers;
  // With several routers the CLI gets them all: it moves on to the next when one is down.
  const router = routers.map((r) => r.address).join(',');
  const flag = router === DEFAULT_ROUTER ? '' : ` --router ${router}`;
  const shards = cluster.layout.shards.map((s) => `${s.id}=${cluster.shardAddress(s.port)}`).join('  ');
  const etcd = cluster.etcdEndpoint;
  const coordinator = etcd
    ? `${status.coordinator?.id ?? 'none yet'} (elected through etcd; ringkv status shows the current one)`
    : `${routers[0]!.id} (the others run --serve-only)`;
  return [
    '',
    `ringkv dev cluster is up (epoch ${status.epoch})`,
    ...(routers.length === 1 ? [`  router  ${router}`] : [`  routers ${routers.map((r) => `${r.id}=${r.address}`).join('  ')}`]),
    ...(routers.length > 1 || etcd ? [`  coordinator ${coordinator}`] : []),
    ...(etcd ? [`  etcd    ${etcd} (cluster map and coordinator election; data in ${join(cluster.dataDir, 'etcd')})`] : []),
    `  shards  ${shards}`,
    `  data    ${cluster.dataDir}`,
    ...(cluster.replicationFactor > 1 ? [`  copies  replication factor ${cluster.replicationFactor} (when the cluster was created; ringkv status shows the current one)`] : []),
    '',
    'In another terminal:',
    `  ringkv${flag} put hello world`,
    `  ringkv${flag} get hello`,
    `  ringkv${flag} status`,
    ...(flag ? [`  (or export ${ROUTER_ENV}=${router})`] : []),
    '',
    'Press Ctrl-C to stop the cluster.',
  ].join('\n');
}
