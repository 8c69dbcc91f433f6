import { runPlugin } from '@tscni/core';
import { handlers } from './handlers.js';

await runPlugin(handlers, 'CNI tscni-host-local plugin (IPAM)');
