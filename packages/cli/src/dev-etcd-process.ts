// The etcd member of `ringkv dev --etcd`, run as `node --import parent-watchdog.js
// dev-etcd-process.js ...`. etcd is not a Node process, so the watchdog cannot be preloaded
// into it: this small keeper holds it instead. It stops etcd when told to (SIGTERM, SIGINT,
// SIGHUP) or when the watchdog finds `ringkv dev` gone, and exits when etcd does, so
// `ringkv dev` sees an etcd that dies like any other child.
import { parseArgs } from 'node:util';
import { EtcdServer } from './etcd-server.js';

const STOP_GRACE_MS = 5_000;

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    host: { type: 'string' },
    'client-port': { type: 'string' },
    'peer-port': { type: 'string' },
    'log-file': { type: 'string' },
  },
  strict: true,
});

const etcd = new EtcdServer({
  dataDir: values['data-dir']!,
  host: values.host!,
  clientPort: Number(values['client-port']),
  peerPort: Number(values['peer-port']),
  logFile: values['log-file']!,
});

let stopping = false;
const stop = async (sig: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`${sig}: stopping etcd\n`);
  await etcd.stop(STOP_GRACE_MS);
  process.exit(0);
};
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, (s) => void stop(s));

try {
  await etcd.start();
} catch (err) {
  if (!stopping) {
    process.stdout.write(`error: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
// A stop that came during start-up is under way, and exits by itself.
if (!stopping) {
  const died = (how: string) => {
    if (stopping) return;
    process.stdout.write(`etcd exited unexpectedly: ${how}\n`);
    process.exit(1);
  };
  if (etcd.pid === undefined) died('before it was watched');
  process.stdout.write(`etcd serving on ${etcd.endpoint} (pid ${etcd.pid})\n`);
  etcd.child!.once('exit', (code, signal) => died(`code ${code}, signal ${signal}`));
}
