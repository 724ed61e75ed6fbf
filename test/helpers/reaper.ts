import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Makes sure the processes a test starts die with the test process, even when it is killed
 * with SIGKILL (where no exit handler runs), and their temp dirs go with them. A small
 * detached watchdog holds the read end of a pipe from us; when we die the kernel closes the
 * pipe and the watchdog kills every pid it still knows, then removes the dirs it still knows.
 * Normal cleanup unregisters pids as they exit and dirs as they are removed.
 */
const WATCHDOG = `
const pids = new Set();
const dirs = new Set();
let buf = '';
const reap = () => {
  for (const p of pids) { try { process.kill(p, 'SIGKILL'); } catch {} }
  // Give the kernel a moment to release the killed processes' files.
  setTimeout(() => {
    for (const d of dirs) { try { require('node:fs').rmSync(d, { recursive: true, force: true }); } catch {} }
    process.exit(0);
  }, 200);
};
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    const op = line.slice(0, 1);
    const arg = line.slice(2);
    if (op === '+') pids.add(Number(arg));
    else if (op === '-') pids.delete(Number(arg));
    else if (op === 'D') dirs.add(arg);
    else if (op === 'd') dirs.delete(arg);
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
`;

let watchdog: ChildProcess | undefined;
const tracked = new Set<ChildProcess>();

function ensureWatchdog(): ChildProcess {
  if (watchdog && watchdog.exitCode === null && watchdog.stdin?.writable) return watchdog;
  watchdog = spawn(process.execPath, ['-e', WATCHDOG], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  watchdog.unref();
  // The pipe must not keep the test process alive either.
  (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
  watchdog.stdin!.on('error', () => {});
  return watchdog;
}

/** Registers a child to be killed if this process dies first. */
export function track(child: ChildProcess): void {
  if (child.pid === undefined) return;
  tracked.add(child);
  ensureWatchdog().stdin!.write(`+ ${child.pid}\n`);
  child.once('exit', () => {
    tracked.delete(child);
    if (watchdog?.stdin?.writable) watchdog.stdin.write(`- ${child.pid}\n`);
  });
}

/** Registers a temp dir to be removed if this process dies before it removes it itself. */
export function trackDir(path: string): void {
  ensureWatchdog().stdin!.write(`D ${path}\n`);
}

export function untrackDir(path: string): void {
  if (watchdog?.stdin?.writable) watchdog.stdin.write(`d ${path}\n`);
}

// A normal exit (including process.exit from the test runner) kills what is left, synchronously.
process.once('exit', () => {
  for (const child of tracked) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});
