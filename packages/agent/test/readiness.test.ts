import { readiness, type ReadinessInput } from '../src/readiness.js';

const ready: ReadinessInput = { watchSynced: true, apiError: undefined, passes: { ran: true, lastError: undefined }, conflistInPlace: true };

describe('readiness', () => {
  test('ready once the Node list is known and the last pass left the conflist in place', () => {
    expect(readiness(ready)).toEqual({ ready: true, missing: [] });
  });

  test.each<[string, Partial<ReadinessInput>, string]>([
    ['before the first list', { watchSynced: false, passes: { ran: false, lastError: undefined }, conflistInPlace: false }, 'the Node list: the watch has not listed Nodes yet'],
    ['while the API refuses', { watchSynced: false, apiError: 'forbidden: RBAC' }, 'the Node list: the watch has not listed Nodes yet (forbidden: RBAC)'],
    ['before the first pass', { passes: { ran: false, lastError: undefined }, conflistInPlace: false }, 'a sync pass: none has run yet'],
    ['after a failed pass', { passes: { ran: true, lastError: 'ip -batch: busy' }, conflistInPlace: false }, 'a successful sync pass: the last one failed (ip -batch: busy)'],
    ['while the Node has no podCIDR', { conflistInPlace: false }, "this node's conflist: its Node has no podCIDR yet"],
  ])('not ready %s', (_when, change, missing) => {
    expect(readiness({ ...ready, ...change })).toEqual({ ready: false, missing: [missing] });
  });
});
