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
  routerPort: number;
  shards: Array<{ id: string; port: number }>;
}

export interface DevRequest {
  shards: number;
  port: number;
  host: string;
  /** Which of the above were given on the command line (and so deserve a warning if ignored). */
  explicit: { shards: boolean; port: boolean; host: boolean };
}

export const LAYOUT_FILE = 'dev.json';
export const MAX_DEV_SHARDS = 64;

export function newLayout(req: DevRequest): DevLayout {
  if (!Number.isInteger(req.shards) || req.shards < 1 || req.shards > MAX_DEV_SHARDS) {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `invalid --shards ${req.shards}: expected 1 to ${MAX_DEV_SHARDS}`);
  }
  if (!Number.isInteger(req.port) || req.port < 1 || req.port + req.shards > 65535) {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `invalid --port ${req.port}: the router and its shards need ports ${req.port}..${req.port + req.shards} within 1..65535`);
  }
  parseHostPort(`${req.host}:${req.port}`, '--host');
  return {
    version: 1,
    host: req.host,
    routerPort: req.port,
    shards: Array.from({ length: req.shards }, (_, i) => ({ id: `shard-${i + 1}`, port: req.port + i + 1 })),
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
  return l as DevLayout;
}
