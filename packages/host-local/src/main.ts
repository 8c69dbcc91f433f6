import { runPlugin } from '@tscni/core';
import { handlers } from './handlers.js';

// A runtime runs a plugin with no arguments; `ipam ...` is a person on the
// node, through `tscni ipam ...` (see admin/ipam-command.ts).
if (process.argv[2] === 'ipam') {
  const { runIpamCommand } = await import('./admin/ipam-command.js');
  process.exitCode = await runIpamCommand(process.argv.slice(3));
} else {
  await runPlugin(handlers, 'CNI tscni-host-local plugin (IPAM)');
}
