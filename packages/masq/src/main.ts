import { runPlugin } from '@tscni/core';
import { masqPlugin } from './plugin.js';

await runPlugin(masqPlugin, 'tscni-masq: masquerades pod traffic leaving the cluster (a chained CNI plugin)');
