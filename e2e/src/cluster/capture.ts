import type { TestNamespace } from '@tscni/core/testing';
import { spawn } from 'node:child_process';

/** A running tcpdump inside a namespace, ready (listening) when returned. */
export interface Capture {
  /** The packet lines seen so far, waiting a moment for stragglers first. */
  stop(): Promise<string[]>;
}

/** How long a finished exchange may take to show up in the capture. */
const SETTLE_MS = 500;

export async function startCapture(ns: TestNamespace, iface: string, filter: string): Promise<Capture> {
  const child = spawn('nsenter', [`--net=${ns.path}`, 'tcpdump', '-n', '-l', '--immediate-mode', '-i', iface, filter]);
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('listening on')) resolve();
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`tcpdump on ${ns.name}/${iface} exited ${code}: ${stderr.trim()}`)));
  });
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      child.kill('SIGINT');
      await exited;
      return stdout.split('\n').filter(Boolean);
    },
  };
}
