import { execaRunner, runChecked } from '@tscni/core';
import { existsSync } from 'node:fs';

/**
 * What of the host's network and kernel a suite must leave as it found it:
 * its links, its firewall, and every sysctl (the privileged kind nodes
 * share the host kernel's non-namespaced ones). Counters and statistics
 * that move by themselves are left out.
 */
export interface HostState {
  links: string[];
  ruleset: string;
  sysctls: Record<string, string>;
  /** kind mounts /lib/modules into its nodes; a suite that makes it where the host has none removes it. */
  libModules: boolean;
}

const MOVING_SYSCTLS = [
  /^fs\.(dentry-state|dentry-negative|inode-nr|inode-state|file-nr|aio-nr|quota\.)/,
  /^kernel\.(random\.|ns_last_pid|pty\.nr|sched_domain\.|perf_event_max_sample_rate|tainted)/,
  /^net\.netfilter\.nf_conntrack_count/,
];

export async function hostState(): Promise<HostState> {
  const [links, ruleset, sysctl] = await Promise.all([
    runChecked(execaRunner, 'ip', ['-o', 'link', 'show']),
    runChecked(execaRunner, 'nft', ['list', 'ruleset']),
    execaRunner.run('sysctl', ['-a']),
  ]);
  const sysctls: Record<string, string> = {};
  for (const line of sysctl.stdout.split('\n')) {
    const [key, value] = line.split(' = ', 2);
    if (key && value !== undefined && !MOVING_SYSCTLS.some((pattern) => pattern.test(key))) sysctls[key] = value;
  }
  // A link's line carries its state and counters of a kind; its name and type are what a suite could change.
  const names = links.stdout.split('\n').filter(Boolean).map((line) => line.split(':')[1]!.trim());
  return { links: names.sort(), ruleset: ruleset.stdout, sysctls, libModules: existsSync('/lib/modules') };
}

/** What differs between two snapshots, as lines a person can read; empty when nothing does. */
export function hostStateChanges(before: HostState, after: HostState): string[] {
  const changes: string[] = [];
  if (before.links.join() !== after.links.join()) changes.push(`links: ${before.links.join(' ')} -> ${after.links.join(' ')}`);
  if (before.ruleset !== after.ruleset) changes.push(`nft ruleset changed:\n${after.ruleset}`);
  if (before.libModules !== after.libModules) changes.push(`/lib/modules: ${before.libModules ? 'present' : 'absent'} -> ${after.libModules ? 'present' : 'absent'}`);
  for (const key of new Set([...Object.keys(before.sysctls), ...Object.keys(after.sysctls)])) {
    if (before.sysctls[key] !== after.sysctls[key]) changes.push(`sysctl ${key}: ${before.sysctls[key]} -> ${after.sysctls[key]}`);
  }
  return changes;
}
