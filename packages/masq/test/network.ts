import { spawn } from 'node:child_process';
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

/**
 * Captures the first ICMP or ICMPv6 echo request arriving on `ns`'s `device` while
 * `send` runs, and returns its source address. tcpdump announces on stderr
 * when it listens; only then is `send` started.
 */
export async function echoSourceSeenBy(
  ns: TestNamespace,
  device: string,
  send: () => Promise<unknown>,
): Promise<string> {
  const echoRequest = '(icmp and icmp[icmptype] == icmp-echo) or (icmp6 and ip6[40] == 128)';
  const tcpdump = spawn('ip', ['netns', 'exec', ns.name, 'tcpdump', '-l', '-n', '-c', '1', '-i', device, echoRequest]);
  let stdout = '';
  tcpdump.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<void>((resolve) => tcpdump.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    tcpdump.stderr.on('data', (chunk: Buffer) => chunk.toString().includes('listening on') && resolve());
    tcpdump.on('close', () => reject(new Error('tcpdump exited before listening')));
  });
  await send();
  await exited;
  const source = / IP6? (\S+) > /.exec(stdout)?.[1];
  if (!source) throw new Error(`no echo request captured: ${stdout}`);
  return source;
}
