/**
 * A stand-in kube-apiserver for /api/v1/nodes, run as its own process
 * (`node fake-apiserver.ts PORT [STATE_FILE] [GONE_MODE]`) inside a test
 * namespace. It speaks the real list/watch protocol: a NodeList carrying a
 * resourceVersion; `?watch=true&resourceVersion=N` streaming one JSON event
 * per line (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR); 410 Gone for a
 * resourceVersion older than its history, either as an ERROR event
 * (GONE_MODE "event", what kube-apiserver sends) or as HTTP 410 ("http").
 *
 * Driven through stdin, one JSON command a line, each answered on stdout
 * with {"done": id}: put (create or replace a Node), delete, expire (compact
 * the history: watchers get 410), drop (cut every watch connection),
 * bookmark, state (the Nodes and resourceVersion, to restart with).
 * Requests are reported on stdout too.
 */
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { createInterface } from 'node:readline';

interface KubeNode {
  metadata: { name: string; resourceVersion?: string; [key: string]: unknown };
  [key: string]: unknown;
}
interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: unknown;
}
interface Command {
  id: number;
  op: 'put' | 'delete' | 'expire' | 'drop' | 'bookmark' | 'state';
  node?: KubeNode;
  name?: string;
}

const [portText = '0', stateFile, goneMode = 'event'] = process.argv.slice(2);
const saved = stateFile
  ? (JSON.parse(readFileSync(stateFile, 'utf8')) as { resourceVersion: number; nodes: KubeNode[] })
  : { resourceVersion: 1, nodes: [] };

let resourceVersion = saved.resourceVersion;
const nodes = new Map(saved.nodes.map((node) => [node.metadata.name, node]));
/** Events after `oldest`; a watch from before it has lost events and gets 410. */
let history: Array<{ rv: number; event: WatchEvent }> = [];
let oldest = resourceVersion;
const watchers = new Set<{ response: ServerResponse; since: number }>();

const say = (message: object): void => void process.stdout.write(JSON.stringify(message) + '\n');

const gone = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'too old resource version',
  reason: 'Expired',
  code: 410,
};

function record(type: WatchEvent['type'], node: KubeNode): void {
  resourceVersion += 1;
  const object = { ...node, metadata: { ...node.metadata, resourceVersion: String(resourceVersion) } };
  if (type === 'DELETED') nodes.delete(node.metadata.name);
  else nodes.set(node.metadata.name, object);
  const event = { type, object };
  history.push({ rv: resourceVersion, event });
  for (const watcher of watchers) watcher.response.write(JSON.stringify(event) + '\n');
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  // No resourceVersion (or "0", "any") starts a watch at the current state, as kube-apiserver does.
  const requested = Number(url.searchParams.get('resourceVersion') || '0');
  const since = requested > 0 ? requested : resourceVersion;
  const watching = url.searchParams.get('watch') === 'true';
  say({ request: `${request.method} ${url.pathname}${url.search}` });
  if (url.pathname !== '/api/v1/nodes' || request.method !== 'GET') {
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404 }));
    return;
  }
  if (!watching) {
    const list = { kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: String(resourceVersion) }, items: [...nodes.values()] };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
    return;
  }
  if (since < oldest && goneMode === 'http') {
    response.writeHead(410, { 'content-type': 'application/json' }).end(JSON.stringify(gone));
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  if (since < oldest) {
    response.end(JSON.stringify({ type: 'ERROR', object: gone }) + '\n');
    return;
  }
  for (const { rv, event } of history) if (rv > since) response.write(JSON.stringify(event) + '\n');
  const watcher = { response, since };
  watchers.add(watcher);
  response.on('close', () => watchers.delete(watcher));
});

function handle(command: Command): unknown {
  switch (command.op) {
    case 'put':
      if (!command.node) throw new Error('put needs a node');
      record(nodes.has(command.node.metadata.name) ? 'MODIFIED' : 'ADDED', command.node);
      return undefined;
    case 'delete': {
      const node = nodes.get(command.name ?? '');
      if (node) record('DELETED', node);
      return undefined;
    }
    case 'expire':
      history = [];
      oldest = resourceVersion + 1;
      for (const { response } of watchers) response.end(JSON.stringify({ type: 'ERROR', object: gone }) + '\n');
      return undefined;
    case 'drop':
      for (const { response } of watchers) response.socket?.destroy();
      return undefined;
    case 'bookmark':
      for (const { response } of watchers) {
        const bookmark = { type: 'BOOKMARK', object: { kind: 'Node', apiVersion: 'v1', metadata: { resourceVersion: String(resourceVersion) } } };
        response.write(JSON.stringify(bookmark) + '\n');
      }
      return undefined;
    case 'state':
      return { resourceVersion, nodes: [...nodes.values()] };
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as Command;
  say({ done: command.id, value: handle(command) });
});
process.stdin.on('end', () => process.exit(0));
// '::' takes both families (IPv4 as mapped addresses): an IPv6-only cluster reaches it too.
server.listen(Number(portText), '::', () => {
  const address = server.address();
  say({ listening: typeof address === 'object' && address ? address.port : 0 });
});
