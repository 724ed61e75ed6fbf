import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType as KvProto } from './generated/kv.js';
import type { ProtoGrpcType as NodeProto } from './generated/node.js';
import type { ProtoGrpcType as AdminProto } from './generated/admin.js';

/** The .proto files: packaged next to dist/ when published, at the repository root in a checkout. */
function protoRoot(): string {
  for (const rel of ['../proto', '../../../proto']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}/ringkv/v1/kv.proto`)) return dir;
  }
  throw new Error('ringkv: cannot find the proto/ directory');
}

/** Must match the flags in scripts/gen-proto.mjs, which generates the types for these options. */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export const PROTO_FILES = ['ringkv/v1/common.proto', 'ringkv/v1/kv.proto', 'ringkv/v1/node.proto', 'ringkv/v1/admin.proto'];

export const packageDefinition = loadSync(PROTO_FILES, { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] });

type Proto = KvProto & NodeProto & AdminProto;
const proto = loadPackageDefinition(packageDefinition) as unknown as Proto;

/** Generated service constructors (clients) and definitions (servers). */
export const KvService = proto.ringkv.v1.KV;
export const NodeService = proto.ringkv.v1.Node;
export const AdminService = proto.ringkv.v1.Admin;

export const SERVICE_NAMES = {
  kv: 'ringkv.v1.KV',
  node: 'ringkv.v1.Node',
  admin: 'ringkv.v1.Admin',
} as const;
