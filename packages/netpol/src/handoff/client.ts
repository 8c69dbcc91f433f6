import { connect } from 'node:net';
import type { CoverReply, CoverRequest } from './protocol.js';

/** The agent did not answer: its socket is absent, refused, or silent past the deadline. */
export class AgentUnreachable extends Error {
  override readonly name = 'AgentUnreachable';
}

/**
 * Asks the node's agent to cover a pod and waits for its answer, never
 * longer than `timeoutMs`: a plugin must not hang on an agent that is down.
 */
export function requestCover(socketPath: string, request: CoverRequest, timeoutMs: number): Promise<CoverReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let received = '';
    const fail = (why: string): void => {
      socket.destroy();
      reject(new AgentUnreachable(why));
    };
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify(request) + '\n'));
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.end();
      try {
        resolve(JSON.parse(received.slice(0, end)) as CoverReply);
      } catch {
        reject(new AgentUnreachable(`an answer that is not JSON: ${received.slice(0, end)}`));
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      fail(error.code ?? error.message);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (!received.includes('\n')) fail('the agent closed the connection without an answer');
    });
  });
}
