// For tests: not a stable API.
export * from './mod.js';
export { UsageError, ExitCode, reportError, parseFlag } from './io.js';
export { targetOf, DEFAULT_ROUTER, ROUTER_ENV } from './context.js';
export { statusJson, statusText, shardListJson, shardListText, scanEntryJson, humanBytes } from './format.js';
export { saveLayout, LAYOUT_FILE, MAX_DEV_SHARDS } from './dev-layout.js';
export { runDev } from './commands/dev.js';
export { initDevCerts, CERT_FILES, DEFAULT_CERT_HOSTS, TOKEN_ROLES, type DevCertsRequest } from './dev-certs.js';
export { issueCertificate } from './x509.js';
export { securityOf, SECURITY_ENV, type CliSecurity } from './security-flags.js';
export { EtcdServer, findEtcd, type EtcdServerOptions } from './etcd-server.js';
