import { dispatch, type PluginHandlers, type PluginIO } from './dispatch.js';

/** The process-level IO: the real environment, stdin, stdout and stderr. */
export function processIO(): PluginIO {
  return {
    env: process.env,
    async readStdin() {
      if (process.stdin.isTTY) return Buffer.alloc(0);
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    writeStdout: (text) => process.stdout.write(text),
    writeStderr: (text) => process.stderr.write(text),
  };
}

/** A plugin's whole main: `await runPlugin(handlers, 'CNI foo plugin')`. */
export async function runPlugin(plugin: PluginHandlers, about?: string): Promise<void> {
  process.exitCode = await dispatch(plugin, processIO(), about);
}
