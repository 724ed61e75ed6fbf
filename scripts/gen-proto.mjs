#!/usr/bin/env node
// Generates TypeScript types for proto/ringkv/v1/*.proto with @grpc/proto-loader's generator.
// `--check` regenerates into a temporary folder and fails if the committed files differ.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const protoDir = join(root, 'proto');
const outDir = join(root, 'packages/core/src/generated');
const gen = join(root, 'packages/core/node_modules/.bin/proto-loader-gen-types');
const protos = readdirSync(join(protoDir, 'ringkv/v1')).filter((f) => f.endsWith('.proto')).sort();
// Must match PROTO_LOADER_OPTIONS in packages/core/src/proto.ts.
const args = (dir) => [
  '--grpcLib=@grpc/grpc-js', '--longs=String', '--enums=String', '--defaults', '--oneofs',
  '--includeComments', `--includeDirs=${protoDir}`, `--outDir=${dir}`,
  ...protos.map((p) => `ringkv/v1/${p}`),
];

// The generator writes absolute proto paths and extensionless imports; make the output
// machine-independent and valid under NodeNext resolution.
function postProcess(dir) {
  for (const f of files(dir)) {
    const p = join(dir, f);
    const text = readFileSync(p, 'utf8')
      .replaceAll(protoDir + '/', 'proto/')
      .replace(/from '(\.{1,2}\/[^']+?)(?<!\.js)'/g, "from '$1.js'");
    writeFileSync(p, text);
  }
}

function files(dir) {
  const out = [];
  const walk = (d) => { for (const e of readdirSync(d)) { const p = join(d, e); statSync(p).isDirectory() ? walk(p) : out.push(relative(dir, p)); } };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

if (process.argv.includes('--check')) {
  const tmp = mkdtempSync(join(tmpdir(), 'ringkv-gen-'));
  try {
    execFileSync(gen, args(tmp), { stdio: 'inherit' });
    postProcess(tmp);
    const want = files(tmp), have = files(outDir);
    const stale = [...new Set([...want, ...have])].filter((f) =>
      !want.includes(f) || !have.includes(f) || !readFileSync(join(tmp, f)).equals(readFileSync(join(outDir, f))));
    if (stale.length) {
      console.error(`generated proto types are stale (${stale.join(', ')}): run \`pnpm gen\` and commit`);
      process.exit(1);
    }
    console.log('generated proto types are up to date');
  } finally { rmSync(tmp, { recursive: true, force: true }); }
} else {
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(gen, args(outDir), { stdio: 'inherit' });
  postProcess(outDir);
  console.log(`generated ${files(outDir).length} files in ${relative(root, outDir)}`);
}
