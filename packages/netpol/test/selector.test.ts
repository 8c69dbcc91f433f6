import { matchesSelector, type LabelSelector } from '../src/index.js';

const WEB = { app: 'web', tier: 'front' };
const DB = { app: 'db' };
const NONE = {};

describe('matchesSelector', () => {
  it.each<[string, LabelSelector, Record<string, string>, boolean]>([
    ['{} matches labels', {}, WEB, true],
    ['{} matches no labels', {}, NONE, true],
    ['empty matchLabels and matchExpressions match all', { matchLabels: {}, matchExpressions: [] }, DB, true],
    ['matchLabels, equal', { matchLabels: { app: 'web' } }, WEB, true],
    ['matchLabels, every pair must hold', { matchLabels: { app: 'web', tier: 'back' } }, WEB, false],
    ['matchLabels, another value', { matchLabels: { app: 'web' } }, DB, false],
    ['matchLabels, key absent', { matchLabels: { app: 'web' } }, NONE, false],
    ['matchLabels, a key Object.prototype has', { matchLabels: { constructor: 'x' } }, NONE, false],
    ['In, value listed', { matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'web'] }] }, WEB, true],
    ['In, value not listed', { matchExpressions: [{ key: 'app', operator: 'In', values: ['db'] }] }, WEB, false],
    ['In, key absent', { matchExpressions: [{ key: 'app', operator: 'In', values: ['db'] }] }, NONE, false],
    ['NotIn, value listed', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, WEB, false],
    ['NotIn, value not listed', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, DB, true],
    ['NotIn, key absent matches', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, NONE, true],
    ['Exists, present', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, WEB, true],
    ['Exists, present with an empty value', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, { tier: '' }, true],
    ['Exists, absent', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, DB, false],
    ['DoesNotExist, present', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, WEB, false],
    ['DoesNotExist, absent', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, DB, true],
    [
      'an unknown operator matches nothing',
      { matchExpressions: [{ key: 'app', operator: 'Gt' as 'In', values: ['1'] }] },
      WEB,
      false,
    ],
  ])('%s', (_what, selector, labels, expected) => {
    expect(matchesSelector(selector, labels)).toBe(expected);
  });

  describe('combined: every term must hold', () => {
    const selector: LabelSelector = {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'edge'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    };

    it.each<[string, Record<string, string>, boolean]>([
      ['all hold', { app: 'web', tier: 'edge', env: 'dev' }, true],
      ['all hold, NotIn key absent', { app: 'web', tier: 'front' }, true],
      ['matchLabels fails', { app: 'db', tier: 'front' }, false],
      ['In fails', { app: 'web', tier: 'back' }, false],
      ['NotIn fails', { app: 'web', tier: 'front', env: 'prod' }, false],
      ['DoesNotExist fails', { app: 'web', tier: 'front', canary: 'true' }, false],
    ])('%s', (_what, labels, expected) => {
      expect(matchesSelector(selector, labels)).toBe(expected);
    });
  });
});
