import { spawnRunner } from '@tscni/core';

describe('spawnRunner', () => {
  it('feeds input and returns stdout, stderr and the exit code', async () => {
    expect(await spawnRunner.run('cat', [], { input: 'hello' })).toEqual({ stdout: 'hello', stderr: '', exitCode: 0 });
    const failed = await spawnRunner.run('sh', ['-c', 'echo oops >&2; exit 3']);
    expect(failed).toEqual({ stdout: '', stderr: 'oops\n', exitCode: 3 });
  });

  it('gives the child exactly the environment it is handed', async () => {
    const result = await spawnRunner.run('/usr/bin/env', [], { env: { ONLY: 'this' } });
    expect(result.stdout).toBe('ONLY=this\n');
  });

  it('reports a program that cannot be started as exit code 127', async () => {
    expect((await spawnRunner.run('tscni-no-such-program', [])).exitCode).toBe(127);
  });
});
