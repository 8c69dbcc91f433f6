// `nx run e2e:bench`: bundles the benchmark into dist/bench and runs it in
// this process with the arguments given.
import { pathToFileURL } from 'node:url';
import { bundle } from '../scripts/bundle.mjs';

await import(pathToFileURL(await bundle('e2e/bench/main.ts', 'dist/bench/main.mjs')).href);
