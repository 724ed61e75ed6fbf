export { Router, type RouterOptions, type RouterStatus, type BootstrapShard } from './router.js';
export type { Role, TokenEntry } from './tokens.js';
