// Which commit a benchmark ran on, for its report: short hash (and subject), marked when the
// tree has uncommitted changes; RINGKV_BENCH_COMMIT when not run from a checkout.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function benchCommit({ subject = false } = {}) {
  const git = (args) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const head = git(['log', '-1', subject ? '--format=%h %s' : '--format=%h']);
    return git(['status', '--porcelain', '--untracked-files=no']) ? `${head} (+ uncommitted changes)` : head;
  } catch {
    return process.env.RINGKV_BENCH_COMMIT ?? 'unknown';
  }
}
