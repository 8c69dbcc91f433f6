import { CniError, dispatch, ErrorCode, SUPPORTED_VERSIONS, type PluginHandlers, type PluginIO } from '@tscni/core';

/** Drives the dispatcher with an env map and buffers: no process needed. */
function harness(env: Record<string, string>, stdin: unknown, handlers: Partial<PluginHandlers> = {}) {
  const out: string[] = [];
  const calls: string[] = [];
  const plugin: PluginHandlers = {
    add: async (args) => {
      calls.push('add');
      return { ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1' }], ...(args.prevResult ?? {}) };
    },
    del: async () => void calls.push('del'),
    check: async () => void calls.push('check'),
    gc: async (args) => void calls.push(`gc:${args.validAttachments.length}`),
    status: async () => void calls.push('status'),
    ...handlers,
  };
  const io: PluginIO = {
    env,
    readStdin: async () => Buffer.from(typeof stdin === 'string' ? stdin : JSON.stringify(stdin)),
    writeStdout: (text) => void out.push(text),
    writeStderr: () => undefined,
  };
  return {
    run: () => dispatch(plugin, io),
    calls,
    json: () => JSON.parse(out.join('')) as Record<string, unknown>,
  };
}

const FULL_ENV = {
  CNI_CONTAINERID: 'c1',
  CNI_NETNS: '/var/run/netns/x',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
};
const conf = (cniVersion: string, extra: object = {}) => ({ cniVersion, name: 'net', type: 'test', ...extra });

describe('dispatch', () => {
  it('answers VERSION with every supported version and needs nothing else', async () => {
    const h = harness({ CNI_COMMAND: 'VERSION' }, '');
    expect(await h.run()).toBe(0);
    expect(h.json()).toEqual({ cniVersion: '1.1.0', supportedVersions: [...SUPPORTED_VERSIONS] });
  });

  describe.each(SUPPORTED_VERSIONS)('config version %s', (version) => {
    it('prints the ADD result in that version', async () => {
      const h = harness({ ...FULL_ENV, CNI_COMMAND: 'ADD' }, conf(version));
      expect(await h.run()).toBe(0);
      const result = h.json();
      expect(result.cniVersion).toBe(version);
      const ip = (result.ips as Array<Record<string, unknown>>)[0];
      expect(ip?.address).toBe('10.0.0.5/24');
      expect(ip?.version).toBe(version.startsWith('0.') ? '4' : undefined);
    });

    it('runs DEL with an empty CNI_NETNS', async () => {
      const h = harness({ ...FULL_ENV, CNI_NETNS: '', CNI_COMMAND: 'DEL' }, conf(version));
      expect(await h.run()).toBe(0);
      expect(h.calls).toEqual(['del']);
    });
  });

  it.each([
    ['ADD', 'CNI_CONTAINERID'],
    ['ADD', 'CNI_NETNS'],
    ['ADD', 'CNI_IFNAME'],
    ['ADD', 'CNI_PATH'],
    ['CHECK', 'CNI_NETNS'],
    ['DEL', 'CNI_CONTAINERID'],
    ['DEL', 'CNI_IFNAME'],
    ['DEL', 'CNI_PATH'],
    ['GC', 'CNI_PATH'],
  ])('%s without %s is code 4', async (command, variable) => {
    const env: Record<string, string> = { ...FULL_ENV, CNI_COMMAND: command };
    delete env[variable];
    const h = harness(env, conf('1.1.0'));
    expect(await h.run()).toBe(1);
    expect(h.json()).toMatchObject({ code: ErrorCode.InvalidEnvironment });
    expect(String(h.json().msg)).toContain(variable);
    expect(h.calls).toEqual([]);
  });

  it.each([
    ['malformed JSON', FULL_ENV, '{"cniVersion":', ErrorCode.DecodeFailure],
    ['an unknown cniVersion', FULL_ENV, conf('9.9.9'), ErrorCode.IncompatibleVersion],
    ['no cniVersion', FULL_ENV, { name: 'net', type: 't' }, ErrorCode.IncompatibleVersion],
    ['a numeric type', FULL_ENV, { ...conf('1.0.0'), type: 5 }, ErrorCode.InvalidConfig],
    ['a network name with /', FULL_ENV, { ...conf('1.0.0'), name: '../x' }, ErrorCode.InvalidConfig],
    // The name is a directory of host-local's store: longer than NAME_MAX, mkdir would fail with 999.
    ['a network name over 255 bytes', FULL_ENV, { ...conf('1.0.0'), name: 'n'.repeat(256) }, ErrorCode.InvalidConfig],
    ['a container ID with /', { ...FULL_ENV, CNI_CONTAINERID: 'a/b' }, conf('1.0.0'), ErrorCode.InvalidEnvironment],
    ['an interface name over 15 bytes', { ...FULL_ENV, CNI_IFNAME: 'eth0123456789012' }, conf('1.0.0'), ErrorCode.InvalidEnvironment],
    ['an interface name ..', { ...FULL_ENV, CNI_IFNAME: '..' }, conf('1.0.0'), ErrorCode.InvalidEnvironment],
    ['an interface name with a space', { ...FULL_ENV, CNI_IFNAME: 'eth 0' }, conf('1.0.0'), ErrorCode.InvalidEnvironment],
    ['a malformed CNI_ARGS', { ...FULL_ENV, CNI_ARGS: 'novalue' }, conf('1.0.0'), ErrorCode.InvalidEnvironment],
    ['an ipam without type', FULL_ENV, conf('1.0.0', { ipam: {} }), ErrorCode.InvalidConfig],
    ['a prevResult that is not a result', FULL_ENV, conf('1.0.0', { prevResult: { ips: 'x' } }), ErrorCode.DecodeFailure],
  ])('ADD with %s is code %#', async (_what, env, stdin, code) => {
    const h = harness({ ...env, CNI_COMMAND: 'ADD' }, stdin);
    expect(await h.run()).toBe(1);
    expect(h.json()).toMatchObject({ code });
    expect(h.calls).toEqual([]);
  });

  it.each([
    ['CHECK', '0.3.1'],
    ['CHECK', '0.3.0'],
    ['GC', '1.0.0'],
    ['STATUS', '0.4.0'],
  ])('%s asked for %s is code 1', async (command, version) => {
    const h = harness({ ...FULL_ENV, CNI_COMMAND: command }, conf(version));
    expect(await h.run()).toBe(1);
    expect(h.json()).toMatchObject({ code: ErrorCode.IncompatibleVersion, cniVersion: version });
  });

  it('rejects an unknown command with code 4', async () => {
    const h = harness({ ...FULL_ENV, CNI_COMMAND: 'FROB' }, conf('1.0.0'));
    expect(await h.run()).toBe(1);
    expect(h.json()).toMatchObject({ code: ErrorCode.InvalidEnvironment });
  });

  it('passes a typed error through with its code and details', async () => {
    const h = harness({ ...FULL_ENV, CNI_COMMAND: 'ADD' }, conf('1.0.0'), {
      add: async () => {
        throw new CniError(ErrorCode.TryAgainLater, 'busy', 'lock held');
      },
    });
    expect(await h.run()).toBe(1);
    expect(h.json()).toEqual({ cniVersion: '1.0.0', code: 11, msg: 'busy', details: 'lock held' });
  });

  it('turns an unexpected exception into code 999 without a stack trace', async () => {
    const h = harness({ ...FULL_ENV, CNI_COMMAND: 'ADD' }, conf('1.0.0'), {
      add: async () => {
        throw new TypeError('boom');
      },
    });
    expect(await h.run()).toBe(1);
    expect(h.json()).toEqual({ cniVersion: '1.0.0', code: 999, msg: 'boom' });
  });

  it('hands GC the valid attachments', async () => {
    const h = harness(
      { CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' },
      conf('1.1.0', { 'cni.dev/valid-attachments': [{ containerID: 'a', ifname: 'eth0' }] }),
    );
    expect(await h.run()).toBe(0);
    expect(h.calls).toEqual(['gc:1']);
  });

  it('reads a prevResult in the config version and hands it over in the newest shape', async () => {
    const prevResult = {
      cniVersion: '0.3.1',
      interfaces: [{ name: 'eth0', sandbox: '/x' }],
      ips: [{ version: '4', address: '10.1.0.2/24', interface: 0 }],
    };
    const h = harness({ ...FULL_ENV, CNI_COMMAND: 'ADD' }, conf('0.3.1', { prevResult }));
    expect(await h.run()).toBe(0);
    expect(h.json()).toMatchObject({ ips: [{ version: '4', address: '10.1.0.2/24', interface: 0 }] });
  });
});
