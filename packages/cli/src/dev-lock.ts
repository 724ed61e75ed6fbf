import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, RingKvError } from '@ringkv/core';

export const LOCK_FILE = 'dev.pid';

/**
 * One `ringkv dev` per data dir: a second one would find the ports taken and the LevelDB
 * directories locked, and fail in confusing ways. A lock left by a dead process is taken over.
 * Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file);
        } catch {
          // Already gone.
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new RingKvError(ErrorCode.UNAVAILABLE, `another ringkv dev (pid ${pid}) is running on ${dataDir}; stop it first`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new RingKvError(ErrorCode.UNAVAILABLE, `cannot lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
