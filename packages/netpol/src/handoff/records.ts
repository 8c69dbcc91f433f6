import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePodRecord, type PodRecord } from './protocol.js';

export interface StoredRecord extends PodRecord {
  containerId: string;
  /** When the plugin wrote it: the newest record wins an address two records claim. */
  writtenAt: number;
}

/** Every pod record the plugin left (a missing directory: none yet). Unreadable ones are skipped: a rename makes them rare. */
export async function readRecords(podsDir: string): Promise<StoredRecord[]> {
  const names = await readdir(podsDir).catch(() => [] as string[]);
  const records: StoredRecord[] = [];
  for (const name of names) {
    if (name.endsWith('.tmp')) continue;
    const path = join(podsDir, name);
    const [text, info] = await Promise.all([readFile(path, 'utf8').catch(() => undefined), stat(path).catch(() => undefined)]);
    const record = text === undefined ? undefined : parsePodRecord(text);
    if (record && info) records.push({ ...record, containerId: name, writtenAt: info.mtimeMs });
  }
  return records;
}

/** A record whose pod the API no longer has, left by a DEL that never ran (a runtime that died). */
export async function removeRecord(podsDir: string, containerId: string): Promise<void> {
  await rm(join(podsDir, containerId), { force: true });
}
