import { runPlugin } from '@tscni/core';
import { netpolPlugin } from './plugin.js';

await runPlugin(netpolPlugin, "tscni-netpol: holds a pod's ADD until the node's NetworkPolicy rules cover it (a chained CNI plugin)");
