import { readFile } from 'node:fs/promises';

/** What a live process has cost so far. */
export interface ProcessUsage {
  rssMb: number;
  /** VmHWM: the most it was resident at any moment. */
  peakRssMb: number;
  /** User and system CPU time since it started. */
  cpuMs: number;
}

/** A live process's memory and CPU time, from /proc (`ip netns exec` execs the agent: its pid is the agent's). */
export async function processUsage(pid: number): Promise<ProcessUsage> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  // utime and stime, fields 14 and 15 of stat, in clock ticks (100 a second on Linux); the name field may hold spaces.
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakRssMb: Math.round(kb('VmHWM') / 1024), cpuMs: (Number(fields[11]) + Number(fields[12])) * 10 };
}
