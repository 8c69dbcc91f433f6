import { registerInProcessPlugin, runPlugin } from '@tscni/core';
import { handlers as hostLocalHandlers } from '@tscni/host-local';
import { DEFAULT_IPAM_TYPE } from './config.js';
import { bridgePlugin } from './plugin.js';

// The default IPAM is bundled: when CNI_PATH finds it beside this executable
// (the same build), it runs in this process, saving a process start per pod.
registerInProcessPlugin(DEFAULT_IPAM_TYPE, hostLocalHandlers);
await runPlugin(bridgePlugin(), 'CNI tscni-bridge plugin: pods on a Linux bridge through veth pairs');
