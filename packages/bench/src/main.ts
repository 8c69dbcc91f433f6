import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Sandbox } from '@tscni/core/testing';
import { REPO_ROOT } from '@tscni/testbed/paths';
import { burstTable, measureBurst } from './burst.js';
import { cycleTable, measureCycle } from './cycle.js';
import { describeEnvironment, formatEnvironment } from './environment.js';
import { growthTable, measureGrowth } from './growth.js';
import { hostLocalTable, measureHostLocal } from './host-local.js';
import { formatTable, type Table } from './format.js';
import { measureNetpol, netpolTable } from './netpol.js';
import { measureNodeScale, nodeScaleTable } from './node-scale.js';
import { parseOptions, USAGE } from './options.js';
import { measureRouteSync, routeSyncTable } from './route-sync.js';
import { measureStartup, startupTable } from './startup.js';

/**
 * `npm run bench`: tscni against the reference plugins, both measured in this
 * run, alternately. Everything happens in namespaces and directories of one
 * Sandbox, removed at the end, on failure and on Ctrl-C.
 */
async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options = parseOptions(process.argv.slice(2));
  const sandbox = new Sandbox('bench');
  let cleaning: Promise<void> | undefined;
  const cleanup = () => (cleaning ??= sandbox.cleanup());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: removing the benchmark's namespaces and files\n`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  // An error thrown outside the awaited work (a child's stream) must not leave namespaces behind either.
  process.once('uncaughtException', (error) => {
    process.stderr.write(`bench: ${error.stack ?? error.message}\nremoving the benchmark's namespaces and files\n`);
    void cleanup().finally(() => process.exit(1));
  });
  const environment = await describeEnvironment();
  process.stdout.write(`${formatEnvironment(environment)}\n\n`);
  const results: Record<string, unknown> = {};
  const tables: Table[] = [];
  let tableStart = performance.now();
  const show = (table: Table) => {
    table.notes = [...(table.notes ?? []), `took ${((performance.now() - tableStart) / 1000).toFixed(0)} s`];
    tableStart = performance.now();
    tables.push(table);
    process.stdout.write(`${formatTable(table)}\n\n`);
  };
  try {
    if (options.tables.includes(1)) {
      results.cycle = await measureCycle(sandbox, options);
      show(cycleTable(results.cycle as Awaited<ReturnType<typeof measureCycle>>));
    }
    if (options.tables.includes(2)) {
      const burst = await measureBurst(sandbox, options);
      results.burst = burst;
      show(burstTable(burst));
    }
    if (options.tables.includes(3)) {
      const growth = await measureGrowth(sandbox, options);
      results.growth = growth;
      show(growthTable(growth));
    }
    if (options.tables.includes(4)) {
      const levels = await measureHostLocal(sandbox, options);
      results.hostLocal = levels;
      show(hostLocalTable(levels));
    }
    if (options.tables.includes(5)) {
      const routeSync = await measureRouteSync(sandbox, options);
      results.routeSync = routeSync;
      show(routeSyncTable(routeSync));
    }
    if (options.tables.includes(6)) {
      const rows = await measureStartup(options);
      results.startup = rows;
      show(startupTable(rows));
    }
    if (options.tables.includes(7)) {
      const netpol = await measureNetpol(sandbox, options);
      results.netpol = netpol;
      show(netpolTable(netpol));
    }
    if (options.tables.includes(8)) {
      const scale = await measureNodeScale(sandbox, options);
      results.nodeScale = scale;
      show(nodeScaleTable(scale));
    }
  } finally {
    await cleanup();
  }
  environment.loadAtEnd = (await import('node:os')).loadavg();
  process.stdout.write(`${formatEnvironment(environment)}\n`);
  const out = resolve(REPO_ROOT, options.out);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify({ environment, options, results, tables }, null, 2) + '\n');
  process.stdout.write(`results written to ${out}\n`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
