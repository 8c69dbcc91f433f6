/** The plugin's handlers, for plugins that bundle tscni-host-local and run it in-process. */
export { handlers } from './handlers.js';
export { HostLocalCode } from './errors.js';
