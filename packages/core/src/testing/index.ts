export * from './paths.js';
export * from './sandbox.js';
export * from './plugin.js';
