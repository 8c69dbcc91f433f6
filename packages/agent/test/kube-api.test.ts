import { describeApiError } from '../src/kube-api.js';

describe('describeApiError', () => {
  test('403: names the RBAC the agent needs', () => {
    const error = Object.assign(new Error('nodes is forbidden: User "system:serviceaccount:kube-system:x" cannot list resource "nodes"'), { code: 403 });
    expect(describeApiError(error)).toMatch(/^forbidden: .*get, list and watch on nodes, as deploy\/rbac.yaml binds.*nodes is forbidden/);
  });

  test('401: the credentials', () => {
    expect(describeApiError(Object.assign(new Error('Unauthorized'), { code: 401 }))).toMatch(/^unauthorized: .*credentials: Unauthorized$/);
  });

  test('anything else: its message as it is', () => {
    expect(describeApiError(new Error('connect ECONNREFUSED 172.17.0.10:6443'))).toBe('connect ECONNREFUSED 172.17.0.10:6443');
    expect(describeApiError('text')).toBe('text');
  });
});
