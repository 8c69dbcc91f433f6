import { readFile, writeFile } from 'node:fs/promises';
import { runChecked, type Runner } from './runner.js';

/**
 * Sysctls by their /proc/sys path with '/' separators
 * ('net/ipv4/ip_forward', 'net/ipv6/conf/eth0.100/accept_dad'), so interface
 * names with dots stay unambiguous. Without a netns the write happens in this
 * process (no exec); with one, `sysctl` runs inside it.
 */
export async function writeSysctl(runner: Runner, key: string, value: string, netns?: string): Promise<void> {
  if (!netns) {
    const path = `/proc/sys/${key}`;
    // Skip the write when the value is already set: /proc/sys is cheap to read.
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current?.trim() === value) return;
    await writeFile(path, value);
    return;
  }
  await runChecked(runner, 'sysctl', ['-q', '-w', `${key}=${value}`], { netns });
}

export async function readSysctl(runner: Runner, key: string, netns?: string): Promise<string> {
  if (!netns) return (await readFile(`/proc/sys/${key}`, 'utf8')).trim();
  return (await runChecked(runner, 'sysctl', ['-n', key], { netns })).stdout.trim();
}

/** Turns on forwarding for the families in use (idempotent), in `netns` when given. */
export async function enableForwarding(runner: Runner, families: ReadonlyArray<4 | 6>, netns?: string): Promise<void> {
  await Promise.all(
    [...new Set(families)].map((family) =>
      writeSysctl(runner, family === 4 ? 'net/ipv4/ip_forward' : 'net/ipv6/conf/all/forwarding', '1', netns),
    ),
  );
}
