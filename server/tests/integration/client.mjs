// Protocol test client: a WebSocket that queues every frame it receives, so a test can wait (with a
// deadline, never a sleep) for the next frame that matches, and a few REST helpers.
import WebSocket from 'ws';

export class WsClient {
  constructor(url, { origin, cookie } = {}) {
    this.frames = [];   // every frame received, in order
    this.pending = [];  // unread frames
    this.waiters = [];
    this.closed = null; // {code, reason} once closed
    const headers = cookie ? { Cookie: cookie } : {};
    this.ws = new WebSocket(url, { origin, headers, maxPayload: 8 << 20 });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c) => { body += c; });
        res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
      });
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      this.frames.push(f);
      this.pending.push(f);
      this.wake();
    });
    this.closedPromise = new Promise((resolve) => this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
      resolve(this.closed);
    }));
  }

  wake() { for (const w of this.waiters.splice(0)) w(); }

  send(frame) { this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)); }

  /** Waits (up to ms) for an unread frame matching pred; `take(i)` removes what is consumed and returns it. */
  async wait(pred, ms, what, take) {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.pending.findIndex((f) => pred(f));
      if (i >= 0) return take(i);
      if (this.closed) throw new Error(`closed (${this.closed.code}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; unread: ${JSON.stringify(this.pending).slice(0, 500)}`);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Resolves with the first unread frame matching pred (consuming it and everything before it). */
  next(pred = () => true, ms = 5000, what = 'frame') {
    return this.wait(pred, ms, what, (i) => this.pending.splice(0, i + 1)[i]);
  }

  type(t, ms) { return this.next((f) => f.type === t, ms, t); }

  /** Like next, but takes only the matching frame and leaves the others unread (for frames whose order
   *  relative to it is not part of the protocol). */
  pick(pred, ms = 5000, what = 'frame') {
    return this.wait(pred, ms, what, (i) => this.pending.splice(i, 1)[0]);
  }

  close() { this.ws.close(); return this.closedPromise; }
}

export async function visitor(base, { site = 'demo-shop', origin = base, token, page } = {}) {
  const c = new WsClient(`${base.replace('http', 'ws')}/ws/visitor?site=${site}`, { origin });
  await c.opened;
  c.send({ type: 'hello', ...(token ? { visitor: token } : {}), page: page || { url: `${base}/demo/shop`, title: 'Shop' } });
  c.welcome = await c.type('welcome');
  return c;
}

export async function login(base, email = 'demo@example.com', password = 'demo') {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }),
  });
  const body = await res.json();
  if (res.status !== 200) throw Object.assign(new Error(`login ${res.status}`), { status: res.status, body });
  const cookie = res.headers.get('set-cookie').split(';')[0];
  return { cookie, csrf: body.csrf_token, operator: body.operator };
}

export async function operator(base, session) {
  const c = new WsClient(`${base.replace('http', 'ws')}/ws/operator`, { origin: base, cookie: session.cookie });
  await c.opened;
  c.send({ type: 'hello' });
  c.welcome = await c.type('welcome');
  return c;
}

/** All messages of a conversation through the REST API, in seq order. */
export async function transcript(base, session, conversation) {
  let after = 0; const out = [];
  for (;;) {
    const res = await fetch(`${base}/api/v1/conversations/${conversation}/messages?after=${after}&limit=500`, {
      headers: { Cookie: session.cookie },
    });
    if (res.status !== 200) throw Object.assign(new Error(`messages ${res.status}`), { status: res.status });
    const body = await res.json();
    out.push(...body.messages);
    if (!body.more) return out;
    after = out[out.length - 1].seq;
  }
}
