export { Router, type RouterOptions, type RouterStatus, type BootstrapShard } from './router.js';
