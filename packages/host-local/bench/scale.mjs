// How ADD and DEL cost grows as a /16 fills: prepopulates a data directory in
// the reference format (as if another plugin had made the allocations), then
// times the built tscni-host-local and the reference host-local executables.
//
// Usage: node packages/host-local/bench/scale.mjs [fill fraction ...]
// (build first: node tools/build-executable.mjs packages/host-local/src/main.ts tscni-host-local)
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const plugins = { 'tscni-host-local': join(root, 'dist/cni/bin/tscni-host-local'), reference: '/usr/lib/cni/host-local' };
const fills = process.argv.slice(2).map(Number);
const SAMPLES = 15;
const ASSIGNABLE = 65534 - 1; // a /16 without network, broadcast and gateway

function ipOf(n) {
  return `10.250.${n >> 8}.${n & 255}`;
}

function prepopulate(dataDir, count) {
  const dir = join(dataDir, 'bench');
  mkdirSync(dir, { recursive: true });
  // A random choice of addresses (.0.2 up), as pods come and go.
  const hosts = Array.from({ length: ASSIGNABLE }, (_, i) => i + 2);
  for (let i = hosts.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [hosts[i], hosts[j]] = [hosts[j], hosts[i]];
  }
  for (const host of hosts.slice(0, count)) writeFileSync(join(dir, ipOf(host)), `existing-${host}\r\neth0`);
  writeFileSync(join(dir, 'last_reserved_ip.0'), ipOf(hosts[0]));
}

function run(plugin, command, containerId, dataDir) {
  const config = { cniVersion: '1.0.0', name: 'bench', type: 'bridge', ipam: { type: 'x', dataDir, subnet: '10.250.0.0/16' } };
  const env = { PATH: process.env.PATH, CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: '/x', CNI_IFNAME: 'eth0', CNI_PATH: '/x' };
  const start = process.hrtime.bigint();
  const result = spawnSync(plugin, [], { input: JSON.stringify(config), env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stdout}${result.stderr}`);
  return ms;
}

const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)].toFixed(1);

/** The in-process half: the store's own cost, bundled from source as the plugin is. */
async function loadStoreOps() {
  const dir = mkdtempSync(join(tmpdir(), 'tscni-hl-bench-'));
  const outfile = join(dir, 'store-ops.mjs');
  const entry = join(root, 'packages/host-local/bench/store-ops.ts');
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', conditions: ['@tscni/source'], logLevel: 'warning' });
  try {
    return await import(outfile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const { timeStoreOps } = await loadStoreOps();
console.log('plugin            fill    files   first op (ms)  ADD median (ms)  DEL median (ms)');
for (const fill of fills.length > 0 ? fills : [0.01, 0.5, 0.95]) {
  const storeDir = mkdtempSync(join(tmpdir(), 'tscni-hl-bench-'));
  prepopulate(storeDir, Math.round(ASSIGNABLE * fill));
  const ops = await timeStoreOps(storeDir, SAMPLES);
  console.log(
    `${'store, in process'.padEnd(17)} ${String(Math.round(fill * 100)).padStart(3)}% ${String(Math.round(ASSIGNABLE * fill)).padStart(8)} ${ops.rebuild.toFixed(1).padStart(15)} ${median(ops.add).padStart(16)} ${median(ops.del).padStart(16)}`,
  );
  rmSync(storeDir, { recursive: true, force: true });
  for (const [name, plugin] of Object.entries(plugins)) {
    const dataDir = mkdtempSync(join(tmpdir(), 'tscni-hl-bench-'));
    const count = Math.round(ASSIGNABLE * fill);
    prepopulate(dataDir, count);
    // The first operation sees a directory it did not write: ours rebuilds its index there.
    const first = run(plugin, 'DEL', 'nobody', dataDir);
    const adds = [];
    const dels = [];
    for (let i = 0; i < SAMPLES; i++) adds.push(run(plugin, 'ADD', `bench-${i}`, dataDir));
    for (let i = 0; i < SAMPLES; i++) dels.push(run(plugin, 'DEL', `bench-${i}`, dataDir));
    console.log(
      `${name.padEnd(17)} ${String(Math.round(fill * 100)).padStart(3)}% ${String(count).padStart(8)} ${first.toFixed(1).padStart(15)} ${median(adds).padStart(16)} ${median(dels).padStart(16)}`,
    );
    rmSync(dataDir, { recursive: true, force: true });
  }
}
