// For sibling packages and tests: not a stable API.
export * from './mod.js';
export { CallContext, withCall } from './call-context.js';
export { toBytes, keyBytes, valueBytes } from './encoding.js';
export { RouterPool, RoundRobinLoadBalancer, type LoadBalancer } from './load-balancer.js';
export { OpPipeline } from './op-pipeline.js';
export { CLIENT_DEFAULTS, DEFAULT_SCAN_PAGE_SIZE, resolveClientOptions, type ResolvedClientOptions } from './options.js';
export { backoffMs, shouldRetry, MAX_TRY_AGAIN_ATTEMPTS } from './retry.js';
export { resultError, toScanEntry, toVersionedValue } from './results.js';
export { ScanIterator, scanPage, type ScanFetcher } from './scan.js';
export { START_POSITION, decodeScanCursor, encodeScanCursor, type ScanPosition } from './scan-cursor.js';
export { toClusterStatus, toMigrationPlan } from './admin.js';
export type { MembershipChange, RouterTransport } from './transport.js';
export { GrpcRouterTransport } from './transport-grpc.js';
export { checkToken, clientSecurity, type ClientSecurity } from './client-security.js';
