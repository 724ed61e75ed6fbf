import type { TestProject } from 'vitest/node';
import { IMAGE, dockerode, newRunId, sweepRun } from './docker.js';

/**
 * Before the container tests: Docker answers and the image is there (build it with
 * deploy/build-images.sh). After them, whatever passed or failed: every container, volume and
 * network of this run is removed.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = newRunId();
  project.provide('ringkvTestRun', runId);
  let docker;
  try {
    docker = await dockerode();
    await docker.ping();
  } catch (err) {
    throw new Error(`the container tests need a Docker engine (scripts/test-containers.sh starts one): ${(err as Error).message}`);
  }
  try {
    await docker.getImage(IMAGE).inspect();
  } catch {
    throw new Error(`image ${IMAGE} not found: build it with deploy/build-images.sh (or set RINGKV_IMAGE)`);
  }
  return async () => {
    const removed = await sweepRun(runId);
    if (removed.length > 0) console.warn(`container tests left ${removed.length} resources, removed: ${removed.join(', ')}`);
  };
}
