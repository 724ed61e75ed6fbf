import { randomBytes } from 'node:crypto';
import { getContainerRuntimeClient } from 'testcontainers';

/** testcontainers' Docker API client (dockerode), with its connection settings. */
export type Dockerode = Awaited<ReturnType<typeof getContainerRuntimeClient>>['container']['dockerode'];

/** The ringkv image under test: deploy/build-images.sh builds it. */
export const IMAGE = process.env.RINGKV_IMAGE ?? 'ringkv:latest';

/** Every container a test run starts carries these labels; its networks are named `ringkv-test-<run>-...`. */
export const RUN_LABEL = 'org.ringkv.test-run';
export const NETWORK_PREFIX = 'ringkv-test-';

/** One id per `vitest` run (scripts/test-containers.sh passes its own, to clean up after a crash). */
export function newRunId(): string {
  return process.env.RINGKV_TEST_RUN_ID ?? randomBytes(4).toString('hex');
}

export async function dockerode(): Promise<Dockerode> {
  return (await getContainerRuntimeClient()).container.dockerode;
}

/**
 * Removes whatever a run left behind: its containers (with their anonymous volumes, where the
 * image's /data lives) and its networks. Returns what it removed.
 */
export async function sweepRun(runId: string): Promise<string[]> {
  const docker = await dockerode();
  const removed: string[] = [];
  const containers = await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runId}`] } });
  for (const c of containers) {
    try {
      await docker.getContainer(c.Id).remove({ force: true, v: true });
      removed.push(`container ${c.Names[0] ?? c.Id}`);
    } catch {
      // already gone
    }
  }
  const networks = await docker.listNetworks({ filters: { name: [`${NETWORK_PREFIX}${runId}-`] } });
  for (const n of networks) {
    try {
      await docker.getNetwork(n.Id).remove();
      removed.push(`network ${n.Name}`);
    } catch {
      // already gone
    }
  }
  return removed;
}

/**
 * Splits the output of a container that has no TTY: frames of an 8-byte header (stream 1 =
 * stdout, 2 = stderr; then the length, big-endian, in bytes 4..7) and their payload.
 */
export function demux(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const stream = buf[i];
    const size = buf.readUInt32BE(i + 4);
    const payload = buf.subarray(i + 8, i + 8 + size);
    (stream === 2 ? err : out).push(payload);
    i += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
