import type { CniError} from '@tscni/core';
import { CniArgs, ErrorCode } from '@tscni/core';

describe('CNI_ARGS', () => {
  it('parses K=V pairs, keeping "=" inside values', () => {
    const args = CniArgs.parse('IgnoreUnknown=1;K8S_POD_NAME=web-0;IP=10.0.0.5;X=a=b');
    expect(args.get('K8S_POD_NAME')).toBe('web-0');
    expect(args.get('X')).toBe('a=b');
    expect(args.ignoreUnknown).toBe(true);
  });

  it('accepts an empty or missing value', () => {
    expect(CniArgs.parse(undefined).entries()).toEqual([]);
    expect(CniArgs.parse('').entries()).toEqual([]);
  });

  it('rejects unknown keys with code 4 unless IgnoreUnknown is set', () => {
    const error = (() => {
      try {
        CniArgs.parse('FOO=1').requireKnown(['IP']);
      } catch (e) {
        return e as CniError;
      }
    })();
    expect(error?.code).toBe(ErrorCode.InvalidEnvironment);
    expect(error?.message).toContain('FOO');
    expect(() => CniArgs.parse('IgnoreUnknown=true;FOO=1').requireKnown(['IP'])).not.toThrow();
  });

  it('rejects a pair without "=" with code 4', () => {
    expect(() => CniArgs.parse('IP')).toThrow(expect.objectContaining({ code: ErrorCode.InvalidEnvironment }));
  });
});
