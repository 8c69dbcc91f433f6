import { formatListenAddress, parseListenAddress } from '../src/listen-address.js';

describe('parseListenAddress', () => {
  test.each([
    [':9440', { host: undefined, port: 9440 }],
    ['0.0.0.0:9440', { host: '0.0.0.0', port: 9440 }],
    ['[::]:9440', { host: '::', port: 9440 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    ['[fe80::1%eth0]:9440', { host: 'fe80::1%eth0', port: 9440 }],
    ['node-a.example:65535', { host: 'node-a.example', port: 65535 }],
  ])('%s', (text, expected) => {
    expect(parseListenAddress(text)).toEqual(expected);
    expect(formatListenAddress(expected)).toBe(text);
  });

  // An IPv6 address without brackets is ambiguous: "::1:9440" is also the address ::1:9440.
  test.each(['9440', '::1:9440', 'fd00::1:9440', '[::1]', 'host:', 'host:70000', 'host:port', '[::1]:9440:1', ''])('%j is refused', (text) => {
    expect(parseListenAddress(text)).toBeUndefined();
  });
});
