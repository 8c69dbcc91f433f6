import { runPlugin } from '@tscni/core';
import { bridgePlugin } from './plugin.js';

await runPlugin(bridgePlugin(), 'CNI tscni-bridge plugin: pods on a Linux bridge through veth pairs');
