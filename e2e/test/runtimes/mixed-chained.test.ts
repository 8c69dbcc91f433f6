import { CHAINED_CHAINS, describeMixedChains } from './mixed-chains.js';

describeMixedChains('tscni-bridge with reference chained plugins through the chain runner', CHAINED_CHAINS);
