import { spawnRunner, type CmdArgs, type PluginHandlers, type Runner } from '@tscni/core';
import { cmdAdd } from './add.js';
import { cmdCheck } from './check.js';
import { loadConfig } from './config.js';
import { cmdDel } from './del.js';
import { ipamRun } from './ipam.js';

/** tscni-bridge's handlers; STATUS and GC are the IPAM plugin's business. */
export function bridgePlugin(runner: Runner = spawnRunner): PluginHandlers {
  const viaIpam = (command: 'GC' | 'STATUS') => (args: CmdArgs) => ipamRun(loadConfig(args.config), command, args);
  return {
    add: (args) => cmdAdd(args, runner),
    del: (args) => cmdDel(args, runner),
    check: (args) => cmdCheck(args, runner),
    gc: viaIpam('GC'),
    status: viaIpam('STATUS'),
  };
}
