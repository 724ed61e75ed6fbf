// CPU time of the processes of a benchmark, for CPU per operation over a fixed count of
// operations: user+sys of every child from /proc/PID/stat (all its threads, LevelDB's and
// libuv's included) and process.cpuUsage() for the load generator itself.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticksPerSecond;
function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** user+sys CPU of `pid` so far, in microseconds (10 ms resolution at CLK_TCK 100). */
export function procCpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: fields are counted from its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / clockTicks();
}

/** Resident set size of `pid` in bytes. */
export function procRssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * A meter over named processes: `{ client: 'self', router: pid, 'shard-1': pid, ... }`.
 * start() and stop() snapshot them; stop() returns microseconds of CPU per process.
 */
export function cpuMeter(procs) {
  const read = () => Object.fromEntries(Object.entries(procs).map(([name, pid]) => {
    if (pid === 'self') {
      const u = process.cpuUsage();
      return [name, u.user + u.system];
    }
    return [name, procCpuUs(pid)];
  }));
  let before;
  return {
    start() {
      before = read();
    },
    stop() {
      const after = read();
      return Object.fromEntries(Object.keys(procs).map((name) => [name, after[name] - before[name]]));
    },
  };
}
