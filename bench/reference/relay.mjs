// The reference for ./scripts/bench: the smallest honest chat relay on Node.js and the `ws` package, speaking
// the same frames as Otklik (docs/protocol.md) so that the same driver (otk_load) runs against both.
//
//   node bench/reference/relay.mjs [--listen 127.0.0.1:0] [--site bench] [--origin http://bench.local]
//
// What it does: visitor `hello` -> `welcome` with a token (a new one, or the one the visitor brought);
// `send` -> `message` to the visitor's connections and to every operator socket, then `ack`; operator
// `hello` -> `welcome`. Conversations and sequence numbers live in memory only.
// What it leaves out, on purpose: persistence (nothing is written anywhere, so an `ack` means "received",
// not "durably committed"), operator authentication (POST /api/v1/auth/login accepts any body and returns a
// fake session cookie; /ws/operator checks only the Origin), routing, rate limits and history. It checks the
// visitor Origin against the site's one allowed origin, as Otklik does. Prints "listening on http://HOST:PORT".
import http from 'node:http';
import crypto from 'node:crypto';
import { WebSocketServer } from 'ws';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const [host, portText] = opt('--listen', '127.0.0.1:0').split(':');
const siteKey = opt('--site', 'bench');
const allowedOrigin = opt('--origin', 'http://bench.local');

let nextConversation = 1;
let nextMessage = 1;
const conversations = new Map();   // visitor token -> {id, lastSeq, sockets: Set}
const operators = new Set();

const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/api/v1/auth/login') {
    req.resume();
    req.on('end', () => json(res, 200, { operator: { id: 1, name: 'Reference' }, csrf_token: 'x' },
      { 'Set-Cookie': 'otk_session=reference; Path=/; HttpOnly' }));
    return;
  }
  if (req.url === '/healthz') return json(res, 200, { ok: true });
  json(res, 404, { error: { code: 'not_found', message: 'no such endpoint' } });
});

const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });

const refuse = (socket, status, code) => {
  const body = JSON.stringify({ error: { code, message: code } });
  socket.end(`HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Not Found'}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
};

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/ws/visitor') {
    if (url.searchParams.get('site') !== siteKey) return refuse(socket, 404, 'unknown_site');
    if (req.headers.origin !== allowedOrigin) return refuse(socket, 403, 'origin_not_allowed');
    wss.handleUpgrade(req, socket, head, (ws) => visitor(ws));
  } else if (url.pathname === '/ws/operator') {
    if (req.headers.origin !== `http://${req.headers.host}`) return refuse(socket, 403, 'origin_not_allowed');
    wss.handleUpgrade(req, socket, head, (ws) => operator(ws));
  } else {
    refuse(socket, 404, 'not_found');
  }
});

const error = (ws, code, ref) => ws.send(JSON.stringify({ type: 'error', code, message: code, ...(ref ? { ref } : {}) }));

function visitor(ws) {
  let conv = null;
  const deadline = setTimeout(() => ws.close(4000, 'no hello in time'), 10000);
  ws.on('message', (data, isBinary) => {
    let f;
    try { f = JSON.parse(data.toString()); } catch { return error(ws, 'bad_json'); }
    if (isBinary || !f || typeof f !== 'object') return error(ws, 'bad_json');
    if (f.type === 'hello') {
      if (conv) return error(ws, 'not_ready', 'hello');
      clearTimeout(deadline);
      const token = typeof f.visitor === 'string' && conversations.has(f.visitor) ? f.visitor : 'v1.' + crypto.randomBytes(24).toString('base64url');
      conv = conversations.get(token);
      if (!conv) { conv = { token, id: 0, lastSeq: 0, sockets: new Set() }; conversations.set(token, conv); }
      conv.sockets.add(ws);
      ws.send(JSON.stringify({ type: 'welcome', visitor: token, conversation: conv.id ? { id: conv.id, last_seq: conv.lastSeq } : null }));
    } else if (f.type === 'send') {
      if (!conv) return error(ws, 'not_ready', f.client_id);
      if (typeof f.client_id !== 'string' || typeof f.text !== 'string' || !f.text.trim()) return error(ws, 'bad_frame', f.client_id);
      if (!conv.id) conv.id = nextConversation++;
      const m = {
        conversation: conv.id, id: nextMessage++, seq: ++conv.lastSeq, client_id: f.client_id,
        author: { kind: 'visitor', name: 'Visitor' }, text: f.text, at: Date.now(),
      };
      const frame = JSON.stringify({ type: 'message', ...m });
      for (const s of conv.sockets) s.send(frame);
      for (const o of operators) o.send(frame);
      ws.send(JSON.stringify({ type: 'ack', client_id: m.client_id, conversation: m.conversation, id: m.id, seq: m.seq, at: m.at }));
    } else {
      error(ws, 'unknown_type', f.type);
    }
  });
  ws.on('close', () => { clearTimeout(deadline); if (conv) conv.sockets.delete(ws); });
  ws.on('error', () => {});
}

function operator(ws) {
  let ready = false;
  ws.on('message', (data) => {
    let f;
    try { f = JSON.parse(data.toString()); } catch { return error(ws, 'bad_json'); }
    if (f.type === 'hello' && !ready) {
      ready = true;
      operators.add(ws);
      ws.send(JSON.stringify({
        type: 'welcome', operator: { id: 1, name: 'Reference', email: 'ref@bench.local', role: 'operator', photo: null },
        sites: [{ id: 1, name: 'Bench', key: siteKey }], conversations: [], team: { operators: [], departments: [] },
        first_response_ms: 25000,
      }));
    } else {
      error(ws, 'unknown_type', f.type);
    }
  });
  ws.on('close', () => operators.delete(ws));
  ws.on('error', () => {});
}

const shutdown = () => {
  for (const c of wss.clients) c.close(1001, 'server shutting down');
  server.close();
  setTimeout(() => process.exit(0), 200).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.listen({ host, port: Number(portText), backlog: 4096 }, () => {
  const a = server.address();
  console.log(`reference relay listening on http://${a.address}:${a.port}`);
});
