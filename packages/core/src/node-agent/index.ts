/**
 * What the node agent and the controllers it drives share. A module of its
 * own, apart from the plugins' `@tscni/core`: nothing here starts with a pod.
 */
export * from './controller.js';
export * from './on-change.js';
export { writeFileAtomically } from './atomic-file.js';
export { FileKeeper } from './file-keeper.js';
