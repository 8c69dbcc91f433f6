import { CniError, ErrorCode, type CmdArgs, type PluginHandlers, type Result } from '@tscni/core';
import { cidrsForPod } from './cidrs.js';
import { parseMasqConfig } from './config.js';
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
    await ensureRuleSets(cidrsForPod(nonMasqueradeCidrs, result), options);
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
