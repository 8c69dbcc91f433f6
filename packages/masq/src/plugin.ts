import { CniError, enableForwarding, ErrorCode, type CmdArgs, type PluginHandlers, type Result } from '@tscni/core';
import { cidrsForPod } from './cidrs.js';
import { parseMasqConfig } from './config.js';
import { resolveOptions } from './options.js';
import { ensureRuleSets, verifyRuleSets } from './sync.js';

function requirePrevResult(args: CmdArgs): Result {
  if (!args.prevResult) {
    throw new CniError(
      ErrorCode.InvalidConfig,
      'tscni-masq is a chained plugin: it needs a prevResult (put it after the plugin that gives the pod its addresses)',
    );
  }
  return args.prevResult;
}

/**
 * The rules are per node, not per pod: ADD converges them to the config's
 * set and passes the previous result on; DEL has nothing of the pod's to
 * remove, so it succeeds with or without prevResult and netns.
 */
export const masqPlugin: PluginHandlers = {
  async add(args) {
    const result = requirePrevResult(args);
    const { nonMasqueradeCidrs, options } = parseMasqConfig(args.config);
    const cidrs = cidrsForPod(nonMasqueradeCidrs, result);
    // The pod's traffic leaves the node only if the node forwards it. (The
    // rule sets alone are the library's: the agent keeps them from a
    // container that may not write /proc/sys.)
    const { runner, netns } = resolveOptions(options);
    await enableForwarding(runner, [...cidrs.keys()], netns);
    await ensureRuleSets(cidrs, options, { trustStamp: true });
    return result;
  },
  async check(args) {
    const result = requirePrevResult(args);
    const { nonMasqueradeCidrs, options } = parseMasqConfig(args.config);
    await verifyRuleSets(cidrsForPod(nonMasqueradeCidrs, result), options);
  },
  async del() {},
  async status() {},
};
