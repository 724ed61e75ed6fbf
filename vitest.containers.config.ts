import { defineConfig } from 'vitest/config';

// The container layer: ringkv from its Docker image (deploy/Dockerfile), driven with
// testcontainers. Not part of `pnpm test`; run by scripts/test-containers.sh (which starts
// Docker and builds the image first), or by hand:
//   bash deploy/build-images.sh && pnpm exec vitest run --config vitest.containers.config.ts
export default defineConfig({
  test: {
    name: 'containers',
    include: ['test/containers/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/containers/global-setup.ts'],
    // One cluster of containers at a time (the CI machine has 2 cores).
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    env: {
      // Ryuk (testcontainers' reaper) is an image from Docker Hub, which may not be reachable;
      // global-setup.ts and scripts/test-containers.sh do its job.
      TESTCONTAINERS_RYUK_DISABLED: process.env.TESTCONTAINERS_RYUK_DISABLED ?? 'true',
    },
  },
});
