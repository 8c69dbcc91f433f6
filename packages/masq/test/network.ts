import type { Sandbox, TestNamespace } from '@tscni/core/testing';

/** Connects two namespaces with a veth pair and gives each end an address. */
export async function link(
  sandbox: Sandbox,
  [a, aName, aAddress]: [TestNamespace, string, string],
  [b, bName, bAddress]: [TestNamespace, string, string],
): Promise<void> {
  await sandbox.exec(a, 'ip', ['link', 'add', aName, 'type', 'veth', 'peer', 'name', bName, 'netns', b.path]);
  await sandbox.exec(a, 'ip', ['addr', 'add', aAddress, 'dev', aName]);
  await sandbox.exec(b, 'ip', ['addr', 'add', bAddress, 'dev', bName]);
  await sandbox.exec(a, 'ip', ['link', 'set', aName, 'up']);
  await sandbox.exec(b, 'ip', ['link', 'set', bName, 'up']);
}
