import { execFile } from 'node:child_process';
import { CLI_BIN, REPO_ROOT } from './cluster.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the `ringkv` CLI bin once, with no RINGKV_ROUTER from the outer environment unless given. */
export function runCli(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, RINGKV_LOG_LEVEL: 'warn', ...options.env };
  if (!options.env?.RINGKV_ROUTER) delete env.RINGKV_ROUTER;
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      { cwd: REPO_ROOT, env, timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}
