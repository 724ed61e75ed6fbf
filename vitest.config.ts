import { configDefaults, defineConfig } from 'vitest/config';

// Tests import the packages by name (`@ringkv/core`, ...), which resolve to their built dist/:
// `pnpm test` runs `tsc -b` first. Two layers:
// - unit: one file per module under packages/*/test, fast, parallel;
// - integration: in-process servers and multi-process clusters on 127.0.0.1 under test/,
//   one file at a time (the CI machine has 2 cores and each file starts several processes).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // The container layer (Docker, the ringkv image) has its own config and script:
          // vitest.containers.config.ts, scripts/test-containers.sh.
          exclude: [...configDefaults.exclude, 'test/containers/**'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Run after the unit layer so the two do not compete for the 2 cores.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
