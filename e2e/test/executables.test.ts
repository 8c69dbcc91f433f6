import { BIN_DIR, binary, execPluginIn } from '@tscni/core/testing';
import { spawnSync } from 'node:child_process';

const EXECUTABLES = ['tscni-bridge', 'tscni-host-local', 'tscni-masq', 'tscni-route-sync'];
const VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];

describe(`the executables in ${BIN_DIR}`, () => {
  it.each(EXECUTABLES)('%s answers VERSION with every supported spec version', async (name) => {
    const run = await execPluginIn(undefined, binary(name), { command: 'VERSION' }, { cniVersion: '1.1.0' });
    expect(run.exitCode).toBe(0);
    expect(run.json).toEqual({ cniVersion: '1.1.0', supportedVersions: VERSIONS });
  });

  it('tscni (the CLI) prints the same versions', () => {
    const run = spawnSync(binary('tscni'), ['version'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ cniVersion: '1.1.0', supportedVersions: VERSIONS });
  });
});
