import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { initDevCerts } from '../dev-certs.js';
import { UsageError, parseFlag, type CliIo } from '../io.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerCertsCommand(program: Command, io: CliIo): void {
  const certs = program.command('certs').description('development certificates for TLS (and access tokens)');
  certs
    .command('init')
    .description('make a development CA and one certificate for every router and storage node, in DIR')
    .argument('<dir>', 'where to write ca.pem, ca-key.pem, cert.pem, key.pem')
    .option('--host <name>', 'another DNS name or IP the servers are reached by (repeat); localhost, 127.0.0.1 and ::1 are always in', collect)
    .option('--days <n>', 'validity of the CA and the certificate', '365')
    .option('--tokens', 'also write tokens.json (ringkv-router --tokens) and admin.token, read-write.token, read-only.token')
    .option('--force', 'replace the files if they exist')
    .option('--if-missing', 'do nothing (exit 0) if DIR already holds ca.pem')
    .action((dir: string, flags: { host?: string[]; days: string; tokens?: boolean; force?: boolean; ifMissing?: boolean }) => {
      if (flags.force && flags.ifMissing) throw new UsageError('--force and --if-missing cannot be combined');
      if (flags.ifMissing && existsSync(join(dir, 'ca.pem'))) {
        io.stdout.write(`${dir} already holds ca.pem: kept as it is\n`);
        return;
      }
      const days = Number(flags.days);
      const result = parseFlag(() => initDevCerts({
        dir, days, hosts: flags.host ?? [], tokens: flags.tokens ?? false, force: flags.force ?? false,
      }));
      io.stdout.write(`wrote ${result.files.map((f) => join(dir, f)).join(', ')}\n`);
      io.stdout.write(`certificate names: ${result.hosts.join(', ')}\n`);
      io.stdout.write(`routers and nodes: --tls-cert ${join(dir, 'cert.pem')} --tls-key ${join(dir, 'key.pem')} --tls-ca ${join(dir, 'ca.pem')}\n`);
      io.stdout.write(`clients: --tls-ca ${join(dir, 'ca.pem')}${flags.tokens ? ` --token-file ${join(dir, 'read-write.token')}; router: --tokens ${join(dir, 'tokens.json')}` : ''}\n`);
    });
}
