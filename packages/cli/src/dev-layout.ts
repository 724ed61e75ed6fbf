import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, RingKvError, parseHostPort } from '@ringkv/core';

/**
 * What `ringkv dev` started in a data dir, kept in DATA/dev.json: the router's cluster map
 * names the shards by id and address, so a restart must bring back exactly those.
 */
export interface DevLayout {
  version: 1;
  host: string;
  /** The first router's port (the one `--port` names). */
  routerPort: number;
  shards: Array<{ id: string; port: number }>;
  /**
   * Every router, the first on `routerPort`. Absent in layouts written before `--routers`:
   * then one router named `router`.
   */
  routers?: Array<{ id: string; port: number }>;
  /** The local etcd member the routers keep the cluster map in (`--etcd`); absent: no etcd. */
  etcd?: { clientPort: number; peerPort: number };
}

export interface DevRequest {
  shards: number;
  port: number;
  host: string;
  /** Routers in front of the shards. @default 1 */
  routers?: number;
  /** Run a local etcd member and put every router on it. @default false */
  etcd?: boolean;
  /** Which of the above were given on the command line (and so deserve a warning if ignored). */
  explicit: { shards: boolean; port: boolean; host: boolean; routers?: boolean; etcd?: boolean };
}

export const LAYOUT_FILE = 'dev.json';
export const MAX_DEV_SHARDS = 64;
export const MAX_DEV_ROUTERS = 16;

/** The routers of a layout, the first on `routerPort`. */
export function layoutRouters(layout: DevLayout): Array<{ id: string; port: number }> {
  return layout.routers ?? [{ id: 'router', port: layout.routerPort }];
}

/**
 * Ports of a new layout: the first router on PORT and the shards on PORT+1..PORT+N, as before
 * `--routers` existed; then the other routers, then etcd's client and peer ports.
 */
function portsNeeded(req: DevRequest): number {
  return 1 + req.shards + ((req.routers ?? 1) - 1) + (req.etcd ? 2 : 0);
}

export function newLayout(req: DevRequest): DevLayout {
  if (!Number.isInteger(req.shards) || req.shards < 1 || req.shards > MAX_DEV_SHARDS) {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `invalid --shards ${req.shards}: expected 1 to ${MAX_DEV_SHARDS}`);
  }
  const routers = req.routers ?? 1;
  if (!Number.isInteger(routers) || routers < 1 || routers > MAX_DEV_ROUTERS) {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `invalid --routers ${routers}: expected 1 to ${MAX_DEV_ROUTERS}`);
  }
  const last = req.port + portsNeeded(req) - 1;
  if (!Number.isInteger(req.port) || req.port < 1 || last > 65535) {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `invalid --port ${req.port}: the cluster needs ports ${req.port}..${last} within 1..65535`);
  }
  parseHostPort(`${req.host}:${req.port}`, '--host');
  const afterShards = req.port + req.shards + 1;
  // One router without etcd keeps the name (and data dir) `router` it always had.
  const named = routers > 1 || req.etcd;
  return {
    version: 1,
    host: req.host,
    routerPort: req.port,
    shards: Array.from({ length: req.shards }, (_, i) => ({ id: `shard-${i + 1}`, port: req.port + i + 1 })),
    routers: Array.from({ length: routers }, (_, i) => ({
      id: named ? `router-${i + 1}` : 'router',
      port: i === 0 ? req.port : afterShards + i - 1,
    })),
    ...(req.etcd ? { etcd: { clientPort: afterShards + routers - 1, peerPort: afterShards + routers } } : {}),
  };
}

/** The layout to run: the saved one if there is one (with warnings for ignored flags), else a new one. */
export function resolveLayout(dataDir: string, req: DevRequest): { layout: DevLayout; warnings: string[]; existing: boolean } {
  const file = join(dataDir, LAYOUT_FILE);
  if (!existsSync(file)) return { layout: newLayout(req), warnings: [], existing: false };
  const layout = parseLayout(readFileSync(file, 'utf8'), file);
  const warnings: string[] = [];
  const keep = `${file} (delete the data dir to start over)`;
  if (req.explicit.shards && req.shards !== layout.shards.length) {
    warnings.push(`--shards ${req.shards} ignored: this data dir has ${layout.shards.length} shards, per ${keep}`);
  }
  if (req.explicit.port && req.port !== layout.routerPort) {
    warnings.push(`--port ${req.port} ignored: this data dir's router listens on ${layout.routerPort}, per ${keep}`);
  }
  if (req.explicit.host && req.host !== layout.host) {
    warnings.push(`--host ${req.host} ignored: this data dir's cluster runs on ${layout.host}, per ${keep}`);
  }
  const routers = layoutRouters(layout).length;
  if (req.explicit.routers && (req.routers ?? 1) !== routers) {
    warnings.push(`--routers ${req.routers ?? 1} ignored: this data dir has ${routers} router${routers > 1 ? 's' : ''}, per ${keep}`);
  }
  if (req.explicit.etcd && req.etcd && !layout.etcd) {
    warnings.push(`--etcd ignored: this data dir's cluster keeps its map in the router's data dir, per ${keep}`);
  }
  return { layout, warnings, existing: true };
}

export function saveLayout(dataDir: string, layout: DevLayout): void {
  const file = join(dataDir, LAYOUT_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(layout, null, 2) + '\n');
  renameSync(tmp, file);
}

function parseLayout(text: string, file: string): DevLayout {
  const bad = (why: string) => new RingKvError(ErrorCode.INVALID_ARGUMENT, `${file} is not a ringkv dev layout: ${why}`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw bad((err as Error).message);
  }
  const l = v as Partial<DevLayout>;
  if (l?.version !== 1) throw bad('unknown version');
  if (typeof l.host !== 'string' || !Number.isInteger(l.routerPort)) throw bad('host or routerPort missing');
  if (!Array.isArray(l.shards) || l.shards.length === 0) throw bad('no shards');
  for (const s of l.shards) {
    if (typeof s?.id !== 'string' || !Number.isInteger(s.port)) throw bad('bad shard entry');
  }
  if (l.routers !== undefined) {
    if (!Array.isArray(l.routers) || l.routers.length === 0) throw bad('no routers');
    for (const r of l.routers) {
      if (typeof r?.id !== 'string' || !Number.isInteger(r.port)) throw bad('bad router entry');
    }
    if (l.routers[0]!.port !== l.routerPort) throw bad('the first router is not on routerPort');
  }
  if (l.etcd !== undefined && (!Number.isInteger(l.etcd?.clientPort) || !Number.isInteger(l.etcd?.peerPort))) throw bad('bad etcd entry');
  return l as DevLayout;
}
