// Public API of @ringkv/cli: run the CLI in-process, or drive a dev cluster from code.
export { runCli, createProgram } from './program.js';
export type { CliIo } from './io.js';
export { EXIT_OK, EXIT_ERROR, EXIT_USAGE } from './io.js';
export { DevCluster, resolveBins, type ChildExit, type DevBins } from './dev-cluster.js';
export { newLayout, resolveLayout, type DevLayout, type DevRequest } from './dev-layout.js';
