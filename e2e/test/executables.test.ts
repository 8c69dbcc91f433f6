import { BIN_DIR, binary, execPluginIn } from '@tscni/core/testing';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];
/** Everything `npm run build` wrote, but the Node runtime and files being renamed into place. */
const built = existsSync(BIN_DIR) ? readdirSync(BIN_DIR).filter((f) => f !== 'tscni-node' && !f.endsWith('.tmp')) : [];
const plugins = built.filter((f) => f !== 'tscni');

describe(`the executables in ${BIN_DIR}`, () => {
  it('are all there', () => {
    expect(built).toEqual(expect.arrayContaining(['tscni', 'tscni-bridge', 'tscni-host-local', 'tscni-masq', 'tscni-route-sync']));
  });

  it.each(plugins)('%s answers VERSION with every supported spec version', async (name) => {
    const run = await execPluginIn(undefined, binary(name), { command: 'VERSION' }, { cniVersion: '1.1.0' });
    expect(run.exitCode).toBe(0);
    expect(run.json).toEqual({ cniVersion: '1.1.0', supportedVersions: VERSIONS });
  });

  it('tscni (the runtime CLI) prints the same versions', () => {
    const run = spawnSync(binary('tscni'), ['version'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ cniVersion: '1.1.0', supportedVersions: VERSIONS });
  });
});
