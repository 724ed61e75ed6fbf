#!/usr/bin/env node
// The healthcheck of the etcd service in docker-compose.yml (in the image as `etcd-health`):
// healthy when etcd's /health on its client port says {"health":"true"}, which etcd answers
// only while the member has a leader and serves requests. Written for node, which every
// ringkv image has, rather than etcdctl, which the image has only when the build machine had
// it. With TLS it reads the files etcd itself reads (ETCD_CERT_FILE, ETCD_KEY_FILE,
// ETCD_TRUSTED_CA_FILE), so the secure profile needs no healthcheck of its own.
//
//   etcd-health [PORT]        (default 2379, on 127.0.0.1)
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const env = process.env;
const port = Number(process.argv[2] ?? 2379);
const tls = Boolean(env.ETCD_CERT_FILE);
const fail = (why) => {
  process.stderr.write(`etcd-health: ${why}\n`);
  process.exit(1);
};

let options = { host: '127.0.0.1', port, path: '/health', timeout: 3_000 };
if (tls) {
  try {
    options = {
      ...options,
      cert: readFileSync(env.ETCD_CERT_FILE),
      key: readFileSync(env.ETCD_KEY_FILE ?? ''),
      ...(env.ETCD_TRUSTED_CA_FILE ? { ca: readFileSync(env.ETCD_TRUSTED_CA_FILE) } : {}),
    };
  } catch (err) {
    fail(`cannot read etcd's TLS files: ${err.message}`);
  }
}

const req = (tls ? httpsRequest : httpRequest)(options, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => { body += chunk; });
  res.on('end', () => {
    let health;
    try {
      health = JSON.parse(body).health;
    } catch {
      fail(`HTTP ${res.statusCode}, not JSON: ${body.slice(0, 200)}`);
    }
    if (health !== 'true') fail(`HTTP ${res.statusCode}: ${body.slice(0, 200)}`);
    process.stdout.write(`${body.trim()}\n`);
  });
});
req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeout} ms`)));
req.on('error', (err) => fail(`${tls ? 'https' : 'http'}://127.0.0.1:${port}/health: ${err.message}`));
req.end();
