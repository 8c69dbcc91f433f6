import { checkLine, passedLine, summaryTable, table } from '../src/report.js';

describe('report tables', () => {
  it('pads every column to its widest cell', () => {
    expect(table(['a', 'bb'], [['xxx', 'y'], ['z', '']]).split('\n')).toEqual(['a    bb', '---  --', 'xxx  y', 'z']);
  });

  it('cuts long evidence short in the summary', () => {
    const [, , row] = summaryTable([{ name: 'check', ok: false, detail: 'x'.repeat(200), family: 6 }]).split('\n');
    expect(row).toMatch(/^check {2}IPv6 {4}FAIL {4}x+\.{3}$/);
    expect(row!.length).toBeLessThan(120);
  });

  it('names each check family, or pod for a check of the whole pod', () => {
    expect(checkLine({ name: 'ping a -> b', ok: true, detail: 'ttl 62', family: 4 })).toBe('  ok   IPv4 ping a -> b: ttl 62');
    expect(checkLine({ name: 'a CNI CHECK', ok: false, detail: 'gone' })).toBe('  FAIL pod  a CNI CHECK: gone');
  });

  it('counts passed checks in all and per family', () => {
    const results = [
      { name: 'a CNI CHECK', ok: true, detail: '' },
      { name: 'x', ok: true, detail: '', family: 4 as const },
      { name: 'x', ok: false, detail: '', family: 6 as const },
      { name: 'y', ok: true, detail: '', family: 6 as const },
    ];
    expect(passedLine(results)).toBe('3 of 4 checks passed (pod 1 of 1, IPv4 1 of 1, IPv6 1 of 2)');
  });
});
