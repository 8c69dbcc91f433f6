import { spawnRunner, type CmdArgs, type PluginHandlers, type Runner } from '@tscni/core';
import { cmdAdd } from './add.js';
import { cmdCheck } from './check.js';
import { loadConfig } from './config.js';
import { cmdDel } from './del.js';
import { cmdGc } from './gc.js';
import { ipamRun } from './ipam.js';

/** tscni-bridge's handlers; STATUS is the IPAM plugin's business. */
export function bridgePlugin(runner: Runner = spawnRunner): PluginHandlers {
  return {
    add: (args) => cmdAdd(args, runner),
    del: (args) => cmdDel(args, runner),
    check: (args) => cmdCheck(args, runner),
    gc: (args) => cmdGc(args, runner),
    status: (args: CmdArgs) => ipamRun(loadConfig(args.config), 'STATUS', args),
  };
}
