import { BIN_DIR, Sandbox, binary, execPluginIn } from '@tscni/core/testing';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';

const VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];
const PLUGINS = ['tscni-bridge', 'tscni-host-local', 'tscni-masq', 'tscni-route-sync', 'tscni-netpol'];
/** Everything `npm run build` wrote, but files being renamed into place. */
const built = existsSync(BIN_DIR) ? readdirSync(BIN_DIR).filter((f) => !f.endsWith('.tmp')) : [];

describe(`the executables in ${BIN_DIR}`, () => {
  const sandbox = new Sandbox('tex');
  afterAll(() => sandbox.cleanup());

  it('are the plugins\' binary, its links, the agent and its Node runtime', () => {
    expect(built.sort()).toEqual(['tscni', ...PLUGINS, 'tscni-node', 'tscni-agent', 'tscni-route-sync-agent'].sort());
  });

  it('every plugin name is a hard link to the one binary, tscni', () => {
    const inode = statSync(binary('tscni')).ino;
    for (const name of PLUGINS) expect(statSync(binary(name)).ino).toBe(inode);
  });

  it.each(PLUGINS)('%s answers VERSION with every supported spec version', async (name) => {
    const run = await execPluginIn(undefined, binary(name), { command: 'VERSION' }, { cniVersion: '1.1.0' });
    expect(run.exitCode).toBe(0);
    expect(run.json).toEqual({ cniVersion: '1.1.0', supportedVersions: VERSIONS });
  });

  it('tscni (the runtime CLI) prints the same versions', () => {
    const run = spawnSync(binary('tscni'), ['version'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ cniVersion: '1.1.0', supportedVersions: VERSIONS });
  });

  // What the binary runs is the name it was run by, a symbolic link's own name too (ctr's plugin dir is made of those).
  it('runs the plugin a symbolic link is named after, and the CLI under any other name', async () => {
    const dir = await sandbox.dir();
    await symlink(binary('tscni'), join(dir, 'tscni-masq'));
    await symlink(binary('tscni-masq'), join(dir, 'cni-tool'));
    // Run with no CNI_COMMAND, a plugin says what it is (and fails with code 4).
    const masq = spawnSync(join(dir, 'tscni-masq'), [], { encoding: 'utf8', env: {} });
    expect(masq.status).toBe(1);
    expect(JSON.parse(masq.stdout)).toMatchObject({ code: 4 });
    expect(masq.stderr).toContain('tscni-masq: masquerades pod traffic');
    const cli = spawnSync(join(dir, 'cni-tool'), [], { encoding: 'utf8' });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain('usage: tscni add|check|del');
  });

  it('tscni-route-sync is the plugin alone: asked for the agent, it names the agent\'s executable', () => {
    const run = spawnSync(binary('tscni-route-sync'), ['agent'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('tscni-agent');
  });

  it('tscni-agent (on Node.js) prints its usage', () => {
    const run = spawnSync(binary('tscni-agent'), ['--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('usage: tscni-agent [options]');
    expect(run.stderr).toBe('');
  });

  // The agent's name before it had a package of its own works for one more release, and says so.
  it('tscni-route-sync-agent is a link to tscni-agent that logs a deprecation line', () => {
    const run = spawnSync(binary('tscni-route-sync-agent'), ['--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('usage: tscni-agent [options]');
    expect(JSON.parse(run.stderr)).toMatchObject({ level: 'warn', msg: expect.stringContaining('tscni-route-sync-agent is deprecated') });
  });
});
