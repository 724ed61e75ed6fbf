import type { Command } from 'commander';
import { parseDurationMs } from '@ringkv/core';
import type { PopOptions } from '@ringkv/client';
import { withClient } from '../context.js';
import { EXIT_ERROR, ExitCode, parseFlag, type CliIo } from '../io.js';

// Lock and queue commands: `lock status`, `queue stats|push|pop|ack|nack`.

export function registerCoordinationCommands(program: Command, io: CliIo): void {
  const lock = program.command('lock').description('inspect locks');
  lock
    .command('status')
    .description('show who holds lock NAME, its fencing token and the lease left (exit 1 if it was never taken)')
    .argument('<name>', 'the lock name')
    .option('--json', 'print {"name","held","owner","token","remainingMs"}')
    .action(async (name: string, flags: { json?: boolean }, cmd: Command) => {
      const info = await withClient(cmd, io, (c) => c.lockStatus(name));
      if (!info) {
        io.stderr.write(`lock "${name}" was never taken\n`);
        throw new ExitCode(EXIT_ERROR);
      }
      if (flags.json) {
        io.stdout.write(`${JSON.stringify({ name, held: info.held, owner: info.owner, token: info.token.toString(), remainingMs: info.remainingMs })}\n`);
        return;
      }
      const state = info.held ? `held by ${info.owner || '(unnamed)'}` : `free (last holder ${info.owner || '(unnamed)'})`;
      io.stdout.write(`lock:      ${name}\nstate:     ${state}\ntoken:     ${info.token}\nremaining: ${info.held ? `${info.remainingMs} ms` : '-'}\n`);
    });

  const queue = program.command('queue').description('use and inspect queues');
  const dlq = (flags: { deadLetters?: boolean }) => (flags.deadLetters ? ' (dead letters)' : '');
  queue
    .command('stats')
    .description('ready, in-flight and dead-lettered messages of queue NAME')
    .argument('<name>', 'the queue name')
    .option('--json', 'print {"name","ready","inFlight","deadLetters","oldestAgeMs"}')
    .option('--dead-letters', "the queue's dead-letter queue")
    .action(async (name: string, flags: { json?: boolean; deadLetters?: boolean }, cmd: Command) => {
      const s = await withClient(cmd, io, (c) => (flags.deadLetters ? c.queue(name).deadLetters() : c.queue(name)).stats());
      if (flags.json) io.stdout.write(`${JSON.stringify({ name, ...s })}\n`);
      else {
        io.stdout.write(`queue:        ${name}${dlq(flags)}\nready:        ${s.ready}\nin flight:    ${s.inFlight}\n`
          + `dead letters: ${s.deadLetters}\noldest:       ${s.oldestAgeMs} ms\n`);
      }
    });
  queue
    .command('push')
    .description('append BODY to queue NAME and print the message id')
    .argument('<name>', 'the queue name')
    .argument('<body>', 'the message body (UTF-8 text)')
    .action(async (name: string, body: string, _flags: object, cmd: Command) => {
      const id = await withClient(cmd, io, (c) => c.queue(name).push(body));
      io.stdout.write(`${id}\n`);
    });
  queue
    .command('pop')
    .description('take the next message of queue NAME: prints id, deliveries, receipt and body (exit 1 if none)')
    .argument('<name>', 'the queue name')
    .option('--visibility <duration>', 'hide the message this long unless acknowledged', '30s')
    .option('--wait <duration>', 'wait this long for a message (up to 20s)')
    .option('--ack', 'acknowledge it at once (consume it)')
    .option('--dead-letters', "from the queue's dead-letter queue")
    .option('--json', 'print {"id","deliveries","receipt","body"}')
    .action(async (name: string, flags: { visibility: string; wait?: string; ack?: boolean; deadLetters?: boolean; json?: boolean }, cmd: Command) => {
      const options: PopOptions = { visibilityTimeoutMs: parseFlag(() => parseDurationMs(flags.visibility, '--visibility')) };
      if (flags.wait !== undefined) options.waitMs = parseFlag(() => parseDurationMs(flags.wait!, '--wait'));
      const m = await withClient(cmd, io, async (c) => {
        const q = flags.deadLetters ? c.queue(name).deadLetters() : c.queue(name);
        const got = await q.pop(options);
        if (got && flags.ack) await q.ack(got.receipt);
        return got;
      });
      if (!m) {
        io.stderr.write(`(queue "${name}"${dlq(flags)} has no visible message)\n`);
        throw new ExitCode(EXIT_ERROR);
      }
      const body = m.body.toString('utf8');
      if (flags.json) io.stdout.write(`${JSON.stringify({ id: m.id.toString(), deliveries: m.deliveries, receipt: m.receipt, body })}\n`);
      else io.stdout.write(`id:         ${m.id}\ndeliveries: ${m.deliveries}\nreceipt:    ${m.receipt}\n${body}\n`);
    });
  for (const action of ['ack', 'nack'] as const) {
    const c = queue
      .command(action)
      .description(action === 'ack' ? 'acknowledge (delete) a popped message by its RECEIPT' : 'give a popped message back by its RECEIPT')
      .argument('<name>', 'the queue name')
      .argument('<receipt>', 'the receipt printed by pop')
      .option('--dead-letters', "of the queue's dead-letter queue");
    if (action === 'nack') c.option('--delay <duration>', 'deliver it again after this long');
    c.action(async (name: string, receipt: string, flags: { deadLetters?: boolean; delay?: string }, cmd: Command) => {
      const delayMs = flags.delay === undefined ? undefined : parseFlag(() => parseDurationMs(flags.delay!, '--delay'));
      await withClient(cmd, io, (cl) => {
        const q = flags.deadLetters ? cl.queue(name).deadLetters() : cl.queue(name);
        return action === 'ack' ? q.ack(receipt) : q.nack(receipt, delayMs === undefined ? {} : { delayMs });
      });
      io.stdout.write(`${action === 'ack' ? 'acknowledged' : 'returned'}\n`);
    });
  }
}
