import { commandExistsIn, compareVersions, highestSupported, requireSupportedVersion } from '@tscni/core';

describe('versions', () => {
  it('compares numerically', () => {
    expect(compareVersions('0.10.0', '0.4.0')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
  });

  it.each([
    ['CHECK', '0.3.1', false],
    ['CHECK', '0.4.0', true],
    ['GC', '1.0.0', false],
    ['GC', '1.1.0', true],
    ['STATUS', '1.1.0', true],
    ['ADD', '0.3.0', true],
  ] as const)('%s exists in %s: %s', (command, version, exists) => {
    expect(commandExistsIn(command, version)).toBe(exists);
  });

  it('picks the highest supported version of a conflist', () => {
    expect(highestSupported(['0.4.0', '1.0.0', '2.0.0'])).toBe('1.0.0');
    expect(highestSupported(['0.2.0'])).toBeUndefined();
  });

  it('refuses 0.2.0 with code 1', () => {
    expect(() => requireSupportedVersion('0.2.0')).toThrow(expect.objectContaining({ code: 1 }));
  });
});
