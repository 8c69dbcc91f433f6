import { CniError, ErrorCode, runPlugin } from '@tscni/core';

// Placeholder until the plugin lands: answers VERSION, refuses everything else.
const notYet = async (): Promise<never> => {
  throw new CniError(ErrorCode.Internal, 'tscni-masq is not implemented yet');
};
await runPlugin({ add: notYet, del: notYet, check: notYet }, 'tscni-masq');
