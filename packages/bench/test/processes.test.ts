import { startedPrograms } from '../src/processes.js';

describe('startedPrograms', () => {
  it('counts the execve calls that succeeded, a split call by its pid, and not the PATH lookups that failed', () => {
    const trace = [
      '100 execve("/opt/cni/bin/tscni-bridge", ["tscni-bridge"], 0x7ffd /* 9 vars */) = 0',
      '101 execve("/usr/local/bin/ip", ["ip", "-batch", "-"], 0x7ffd /* 9 vars */) = -1 ENOENT (No such file or directory)',
      '101 execve("/usr/sbin/ip", ["ip", "-batch", "-"], 0x7ffd /* 9 vars */ <unfinished ...>',
      '102 execve("/usr/bin/nsenter", ["nsenter", "--net=/x"], 0x7ffd /* 9 vars */) = 0',
      '101 <... execve resumed>) = 0',
      '103 execve("/usr/sbin/none", [], 0x7ffd /* 9 vars */ <unfinished ...>',
      '103 <... execve resumed>) = -1 ENOENT (No such file or directory)',
      '',
    ].join('\n');
    expect(startedPrograms(trace)).toEqual(['tscni-bridge', 'nsenter', 'ip']);
  });
});
