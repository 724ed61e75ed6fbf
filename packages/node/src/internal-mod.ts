export * from './mod.js';
