import { fstatSync, readSync, writeSync } from 'node:fs';
import { dispatch, type PluginHandlers, type PluginIO } from './dispatch.js';

export interface ProcessIO extends PluginIO {
  /** True once stdout could not be written (EPIPE: the reader is gone); the plugin then exits 1. */
  readonly stdoutLost: boolean;
}

/**
 * The process-level IO: the real environment, stdin, stdout and stderr.
 *
 * Plain fd reads and writes (fs is loaded anyway): process.stdin/stdout are
 * streams, whose first touch costs ~1 ms under Node and ~5 ms under Bun at
 * every plugin start. The streams are still the fallback for a non-blocking
 * fd (EAGAIN), so such a runtime gets what it got before.
 */
export function processIO(): ProcessIO {
  let stdoutLost = false;
  const writeStderr = fdWriter(2, () => process.stderr, () => {});
  const writeStdout = fdWriter(1, () => process.stdout, (error) => {
    stdoutLost = true;
    writeStderr(`${(error as Error).message}\n`);
  });
  return {
    env: process.env,
    readStdin,
    writeStdout,
    writeStderr,
    get stdoutLost() {
      return stdoutLost;
    },
  };
}

/** A plugin's whole main: `await runPlugin(handlers, 'CNI foo plugin')`. */
export async function runPlugin(plugin: PluginHandlers, about?: string): Promise<void> {
  const io = processIO();
  const code = await dispatch(plugin, io, about);
  process.exitCode = io.stdoutLost ? 1 : code;
}

const CHUNK = 64 * 1024;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** All of stdin up to EOF; empty for a terminal (as process.stdin.isTTY was) or a closed fd 0. */
async function readStdin(): Promise<Buffer> {
  try {
    if (fstatSync(0).isCharacterDevice() && process.getBuiltinModule('node:tty').isatty(0)) return Buffer.alloc(0);
  } catch (error) {
    if (errorCode(error) === 'EBADF') return Buffer.alloc(0);
    throw error;
  }
  const chunks: Buffer[] = [];
  for (;;) {
    const chunk = Buffer.allocUnsafe(CHUNK);
    let read: number;
    try {
      read = readSync(0, chunk, 0, CHUNK, null);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EINTR') continue;
      // A non-blocking fd 0 with nothing in it yet: the stream waits for the rest.
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return readStream(chunks);
      throw error;
    }
    if (read === 0) break;
    chunks.push(chunk.subarray(0, read));
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

async function readStream(chunks: Buffer[]): Promise<Buffer> {
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Writes all of each text to fd, synchronously, looping over partial writes.
 * On EAGAIN (a non-blocking fd that is full) the rest, and every later text,
 * goes through the stream, which waits for the fd and keeps the order. Any
 * other error (EPIPE: the reader is gone) drops this and every later text.
 */
function fdWriter(fd: 1 | 2, stream: () => NodeJS.WriteStream, onLost: (error: unknown) => void): (text: string) => void {
  let mode: 'fd' | 'stream' | 'lost' = 'fd';
  return (text) => {
    if (mode === 'lost') return;
    const bytes = Buffer.from(text);
    let offset = 0;
    while (mode === 'fd' && offset < bytes.length) {
      try {
        offset += writeSync(fd, bytes, offset, bytes.length - offset);
      } catch (error) {
        const code = errorCode(error);
        if (code === 'EINTR') continue;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
          mode = 'stream';
        } else {
          mode = 'lost';
          onLost(error);
        }
      }
    }
    if (mode === 'stream' && offset < bytes.length) stream().write(bytes.subarray(offset));
  };
}
