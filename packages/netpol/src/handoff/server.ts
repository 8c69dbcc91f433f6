import { createServer, type Server } from 'node:net';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CoverReply, CoverRequest } from './protocol.js';

/**
 * The agent's end of the handoff: one JSON request line, one JSON answer
 * line. `cover` answers once the pod is covered; it must also bound that
 * wait itself (the agent's deadline, shorter than the plugin's, so the
 * plugin hears why).
 */
export async function serveCoverRequests(
  socketPath: string,
  cover: (request: CoverRequest) => Promise<CoverReply>,
): Promise<Server> {
  await mkdir(dirname(socketPath), { recursive: true });
  // A socket file left by an agent that died would refuse the bind.
  await rm(socketPath, { force: true });
  const server = createServer((socket) => {
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\n');
      if (end < 0) return;
      let request: CoverRequest;
      try {
        request = JSON.parse(received.slice(0, end)) as CoverRequest;
      } catch {
        socket.end(JSON.stringify({ ok: false, error: 'the request is not JSON' }) + '\n');
        return;
      }
      cover(request).then(
        (reply) => socket.end(JSON.stringify(reply) + '\n'),
        (error: unknown) => socket.end(JSON.stringify({ ok: false, error: (error as Error).message }) + '\n'),
      );
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return server;
}
