export * from './paths.js';
export * from './sandbox.js';
export * from './plugin.js';
export * from './wait-for.js';
export * from './capture.js';
export * from './crash.js';
export * from './random.js';
