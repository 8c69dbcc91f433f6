/** What others need of the agent: the conflist it writes and the names of what it installs. */
export { buildConflist, CONFLIST_NAME, NETWORK_NAME, masqLockFile } from './conflist.js';
export { MULTI_CALL_BINARY, PLUGIN_NAMES } from './install.js';
