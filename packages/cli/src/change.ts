import { Option, type Command } from 'commander';
import { ErrorCode, RingKvError, parseDurationMs } from '@ringkv/core';
import type { MigrationPlan, RingKvClient } from '@ringkv/client';
import { targetOf, withClient } from './context.js';
import { humanDuration, planJson, planSummary, planText } from './format-migration.js';
import { parseFlag, type CliIo } from './io.js';
import { watchMigration } from './migration-watch.js';

// What every membership command shares: --dry-run, --wait, --wait-timeout, --json, and how
// the plan and the progress are shown.

export interface ChangeFlags {
  dryRun?: boolean;
  wait?: boolean;
  waitTimeout: string;
  interval: string;
  json?: boolean;
}

/**
 * A membership change computes its plan on the sources (estimates scan the arcs) before it
 * commits, so it gets more time than a data request unless --timeout was given.
 */
const CHANGE_TIMEOUT_MS = 30_000;

export function addChangeOptions(cmd: Command): Command {
  return cmd
    .option('--dry-run', 'print the plan (arcs, from -> to, estimated keys and bytes) and change nothing')
    .addOption(new Option('--wait', 'show progress and return when the migration is done').conflicts('dryRun'))
    .option('--wait-timeout <duration>', 'with --wait: fail (exit 1) if the migration is not done after this long', '10m')
    .option('--interval <duration>', 'with --wait: how often to poll the router for progress', '1s')
    .option('--json', 'print the plan as one JSON line (and, with --wait, a JSON line when done)');
}

export interface ChangeRequest {
  /**
   * What is being done, for messages: `add shard shard-4 at 127.0.0.1:7404`. A function is
   * called once the plan is back (`run` may have learnt more, such as the current setting).
   */
  describe: string | (() => string);
  run: (client: RingKvClient, dryRun: boolean, timeoutMs: number) => Promise<MigrationPlan>;
  /** Rebalance does not commit a plan; it resumes the change in progress. */
  resumes?: boolean;
}

export async function runChange(cmd: Command, io: CliIo, flags: ChangeFlags, req: ChangeRequest): Promise<void> {
  // Every flag is checked before anything is sent.
  const waitTimeoutMs = parseFlag(() => parseDurationMs(flags.waitTimeout, '--wait-timeout'));
  const intervalMs = parseFlag(() => parseDurationMs(flags.interval, '--interval'));
  const t = targetOf(cmd, io);
  const explicitTimeout = rootOf(cmd).getOptionValueSource('timeout') !== 'default';
  const timeoutMs = explicitTimeout ? t.timeoutMs : Math.max(t.timeoutMs, CHANGE_TIMEOUT_MS);
  const dryRun = flags.dryRun === true;
  await withClient(cmd, io, async (client) => {
    let plan: MigrationPlan;
    try {
      plan = await req.run(client, dryRun, timeoutMs);
    } catch (err) {
      if (!dryRun && err instanceof RingKvError && (err.code === ErrorCode.DEADLINE_EXCEEDED || err.code === ErrorCode.CANCELLED)) {
        throw new RingKvError(err.code, `${err.message}; the change may have been committed: check ringkv migrations`, { cause: err });
      }
      throw err;
    }
    if (flags.json) io.stdout.write(`${planJson(plan)}\n`);
    else io.stdout.write(describePlan(req, plan, dryRun, flags.wait === true));
    if (dryRun || !flags.wait) return;
    if (plan.arcs.length === 0 && !req.resumes) return;
    const done = await watchMigration(client, {
      sinceEpoch: plan.epoch,
      timeoutMs: waitTimeoutMs,
      intervalMs,
      statusTimeoutMs: Math.max(t.timeoutMs, 10_000),
      stream: io.stderr,
      timeoutFlag: '--wait-timeout',
    });
    if (flags.json) io.stdout.write(`${JSON.stringify({ complete: true, epoch: Number(done.epoch), ms: done.ms })}\n`);
    else io.stdout.write(`migration complete at epoch ${done.epoch} after ${humanDuration(done.ms)}\n`);
  });
}

function describePlan(req: ChangeRequest, plan: MigrationPlan, dryRun: boolean, wait: boolean): string {
  const describe = typeof req.describe === 'function' ? req.describe() : req.describe;
  if (req.resumes) {
    if (plan.arcs.length === 0) return `nothing to move: no membership change in progress (epoch ${plan.epoch})\n`;
    if (dryRun) return planText(plan, `dry run: the change in progress has ${planSummary(plan)} left; nothing changed`);
    return `resumed the change in progress at epoch ${plan.epoch}: ${planSummary(plan)} left\n`;
  }
  if (dryRun) return planText(plan, `dry run: ${describe} would move ${planSummary(plan)}; nothing changed`);
  const next = wait ? 'waiting for it' : 'the migration runs in the background (ringkv migrations --watch)';
  if (plan.arcs.length === 0) return `${describe}: committed at epoch ${plan.epoch}; nothing to move\n`;
  return `${describe}: committed at epoch ${plan.epoch}, moving ${planSummary(plan)}; ${next}\n`;
}

function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}
