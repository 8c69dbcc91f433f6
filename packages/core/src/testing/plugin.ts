import { spawn } from 'node:child_process';
import type { TestNamespace } from './sandbox.js';

export interface PluginRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is JSON. */
  json: Record<string, unknown> | undefined;
}

export interface PluginInvocation {
  command: string;
  containerId?: string;
  netns?: string;
  ifName?: string;
  cniPath?: string;
  args?: string;
  /** Extra or overriding environment variables; undefined removes one. */
  env?: Record<string, string | undefined>;
  /** The plugin's working directory (default: this process's): where relative paths land. */
  cwd?: string;
}

/**
 * Executes a plugin as a runtime does (config on stdin, CNI_* in the
 * environment), inside `node` when given so host-side changes land there.
 */
export async function execPluginIn(
  node: TestNamespace | undefined,
  executable: string,
  invocation: PluginInvocation,
  config: unknown,
): Promise<PluginRun> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    CNI_COMMAND: invocation.command,
    CNI_CONTAINERID: invocation.containerId,
    CNI_NETNS: invocation.netns,
    CNI_IFNAME: invocation.ifName,
    CNI_PATH: invocation.cniPath,
    CNI_ARGS: invocation.args,
    ...invocation.env,
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const [file, argv] = node ? ['ip', ['netns', 'exec', node.name, executable]] : [executable, []];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { env: env as NodeJS.ProcessEnv, cwd: invocation.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    // A plugin may exit before reading its config (a bad CNI_COMMAND): on a busy machine it does so before we write it.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      let json: Record<string, unknown> | undefined;
      try {
        json = stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ exitCode: code ?? -1, stdout, stderr, json });
    });
    child.stdin.end(typeof config === 'string' ? config : JSON.stringify(config));
  });
}
