export type { MasqOptions } from './options.js';
export { masqPlugin } from './plugin.js';
export { syncNonMasqueradeCidrs } from './sync.js';
/** Where ADDs find what the last writer saw in place (tests that flush the rules by hand remove it too). */
export { stampFileFor, STAMP_TRUST_MS } from './rules/stamp.js';

/** The node agent's controller of the non-masquerade set (packages/agent drives it). */
export { NonMasqueradeController, masqRules, type NonMasqueradeDeps, type NonMasqueradeSync } from './controller/non-masquerade-controller.js';
export { nonMasqueradeSet } from './controller/non-masquerade-set.js';
