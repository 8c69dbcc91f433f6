export { bridgePlugin } from './plugin.js';
export { loadConfig, type BridgeConfig } from './config.js';
export { hostVethName } from './veth.js';
export { FAIL_AFTER_IPAM_ENV } from './add.js';
