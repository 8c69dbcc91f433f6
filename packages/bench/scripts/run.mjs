// `nx run bench:bench`: bundles the benchmark into dist/bench and runs it in
// this process with the arguments given.
import { pathToFileURL } from 'node:url';
import { bundle } from '../../../tools/bundle.mjs';

await import(pathToFileURL(await bundle('packages/bench/src/main.ts', 'dist/bench/main.mjs')).href);
