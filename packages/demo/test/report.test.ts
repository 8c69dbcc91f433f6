import { summaryTable, table } from '../src/report.js';

describe('report tables', () => {
  it('pads every column to its widest cell', () => {
    expect(table(['a', 'bb'], [['xxx', 'y'], ['z', '']]).split('\n')).toEqual(['a    bb', '---  --', 'xxx  y', 'z']);
  });

  it('cuts long evidence short in the summary', () => {
    const [, , row] = summaryTable([{ name: 'check', ok: false, detail: 'x'.repeat(200) }]).split('\n');
    expect(row).toMatch(/^check {2}FAIL {4}x+\.{3}$/);
    expect(row!.length).toBeLessThan(110);
  });
});
