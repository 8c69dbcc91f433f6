import { readIptablesState, savedTable, type RunResult, type Runner } from '@tscni/core';

/** Answers iptables-<flavour>-save with the given output (undefined: the program fails). */
function saving(outputs: { legacy?: string; nft?: string }): Runner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async run(file): Promise<RunResult> {
      calls.push(file);
      const stdout = file === 'iptables-legacy-save' ? outputs.legacy : outputs.nft;
      return stdout === undefined ? { stdout: '', stderr: 'not found', exitCode: 1 } : { stdout, stderr: '', exitCode: 0 };
    },
  };
}

const NAT_RULES = ['*nat', ':POSTROUTING ACCEPT [0:0]', '-A POSTROUTING -j MASQUERADE', 'COMMIT', ''].join('\n');

describe('readIptablesState', () => {
  it('picks the flavour that holds rules and returns what it printed', async () => {
    expect(await readIptablesState(saving({ legacy: NAT_RULES, nft: '' }))).toEqual({ flavour: 'legacy', saved: NAT_RULES });
    expect(await readIptablesState(saving({ legacy: '', nft: NAT_RULES }))).toEqual({ flavour: 'nft', saved: NAT_RULES });
  });

  it('defaults to nft, and takes legacy when only legacy can be read', async () => {
    expect((await readIptablesState(saving({ legacy: '', nft: '' }))).flavour).toBe('nft');
    expect(await readIptablesState(saving({ legacy: NAT_RULES }))).toEqual({ flavour: 'legacy', saved: NAT_RULES });
  });
});

describe('savedTable', () => {
  it("gives one table's lines without its header and COMMIT", () => {
    const saved = ['# Generated', '*filter', ':INPUT ACCEPT [0:0]', 'COMMIT', NAT_RULES].join('\n');
    expect(savedTable(saved, 'nat')).toEqual([':POSTROUTING ACCEPT [0:0]', '-A POSTROUTING -j MASQUERADE']);
    expect(savedTable(saved, 'mangle')).toEqual([]);
  });
});
