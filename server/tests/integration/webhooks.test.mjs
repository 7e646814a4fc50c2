// Webhooks against real local HTTP(S) receivers: what an endpoint may be and who may set one up; every event
// type arrives signed (HMAC-SHA256 over timestamp and body), in order, with the documented body; a failing
// receiver is retried with backoff and the log shows each attempt; redelivery on request; 410 turns the endpoint
// off; kill -9 between commit and delivery loses nothing and doubles nothing; TLS with certificate checks.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from '../../../web/e2e/fixture.mjs';
import { visitor, login, operator } from './client.mjs';

const ALL = ['conversation.started', 'message.created', 'conversation.closed', 'lead.created', 'lead.updated',
  'callback.requested', 'callback.finished', 'rating.given'];

/** A receiver: records every request; `answer(req, n)` chooses the status (200 unless told). */
async function receiver({ tls, answer = () => 200 } = {}) {
  const got = [];
  const waiters = [];
  const handler = (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const entry = { headers: req.headers, body, at: Date.now(), json: JSON.parse(body) };
      got.push(entry);
      res.writeHead(answer(entry, got.length));
      res.end('ok');
      for (const w of waiters.splice(0)) w();
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    got, port,
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/hooks/otklik?from=test`,
    /** Waits until pred(got) holds. */
    async until(pred, ms, what) {
      const deadline = Date.now() + ms;
      while (!pred(got)) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(got.map((g) => g.json.type))}`);
        await new Promise((r) => { const t = setTimeout(r, Math.min(left, 200)); waiters.push(() => { clearTimeout(t); r(); }); });
      }
    },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

/** What a receiver does (docs/webhooks.md): HMAC-SHA256 of "<t>.<body>" under the secret, t within 5 minutes. */
function verify(secret, header, body, now = Date.now()) {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=')));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(now / 1000 - t) > 300) return false;
  const mac = crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(parts.v1 ?? ''.padEnd(64, '0')));
}

const api = (base, s) => async (method, p, body) => {
  const res = await fetch(`${base}${p}`, { method,
    headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

/** The delivery log once nothing in it is pending: a receiver has its event a moment before the server records
 *  the answer. */
async function settledLog(call, hook) {
  for (let i = 0; ; i++) {
    const log = (await call('GET', `/api/v1/webhooks/${hook}/deliveries`)).body.deliveries;
    if (!log.some((d) => d.state === 'pending') || i > 100) return log;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function config(dir, extra = '') {
  const file = path.join(dir, 'otklik.toml');
  writeFileSync(file, `[webhooks]\nfirst_retry_seconds = 1\ntimeout_seconds = 3\n${extra}`);
  return ['--config', file];
}

describe('webhooks', () => {
  let srv, dir, owner, call, site;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'otk-webhooks-'));
    srv = await startServer({ dataDir: path.join(dir, 'data'), extraArgs: config(dir) });
    owner = await login(srv.url);
    call = api(srv.url, owner);
    site = owner.operator ? (await call('GET', '/api/v1/me')).body.sites.find((s) => s.key === 'demo-shop').id : null;
  });
  after(async () => { await srv.stop(); rmSync(dir, { recursive: true, force: true }); });

  test('an endpoint is validated, and only owners and admins manage them', async () => {
    const bad = [
      [{ site, url: 'ftp://crm.example/', events: ['message.created'] }, 'http'],
      [{ site, url: 'https://user:pw@crm.example/', events: ['message.created'] }, 'password'],
      [{ site, url: 'https://crm.example/#x', events: ['message.created'] }, 'fragment'],
      [{ site, url: 'https://crm.example/', events: ['message.deleted'] }, 'unknown event'],
      [{ site, url: 'https://crm.example/', events: [] }, 'at least one'],
      [{ site, url: 'https://crm.example/', events: 'message.created' }, 'array'],
      [{ url: 'https://crm.example/', events: ['message.created'] }, 'body must be'],
    ];
    for (const [body, says] of bad) {
      const r = await call('POST', '/api/v1/webhooks', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(r.body.error.message.includes(says), `${r.body.error.message} mentions ${says}`);
    }
    assert.equal((await call('POST', '/api/v1/webhooks', { site: 999999, url: 'https://crm.example/', events: ['lead.created'] })).status, 404);
    const noCsrf = await fetch(`${srv.url}/api/v1/webhooks`, { method: 'POST',
      headers: { Cookie: owner.cookie, 'Content-Type': 'application/json' },
      body: JSON.stringify({ site, url: 'https://crm.example/', events: ['lead.created'] }) });
    assert.equal(noCsrf.status, 403);
    const anna = api(srv.url, await login(srv.url, 'anna@example.com', 'demo'));
    assert.equal((await anna('GET', '/api/v1/webhooks')).status, 403, 'an operator does not see secrets');
    assert.equal((await anna('POST', '/api/v1/webhooks', { site, url: 'https://crm.example/', events: ['lead.created'] })).status, 403);
    assert.equal((await call('GET', '/api/v1/webhooks')).body.webhooks.length, 0, 'nothing half-made');
  });

  test('every event arrives once, signed, in order, with its documented body', async () => {
    const rx = await receiver();
    const made = await call('POST', '/api/v1/webhooks', { site, url: rx.url, events: ALL.concat(['rating.given']) });
    assert.equal(made.status, 201);
    const hook = made.body.webhook;
    assert.match(hook.secret, /^whsec_[0-9a-f]{64}$/);
    assert.deepEqual(hook.events, ALL, 'stored once each, in the documented order');
    try {
      const op = await operator(srv.url, owner);
      const v = await visitor(srv.url);
      v.send({ type: 'send', client_id: 'w1', text: 'Здравствуйте! Мой адрес olga@example.ru' });
      const ack = await v.pick((f) => f.type === 'ack', 5000, 'ack');
      op.send({ type: 'send', conversation: ack.conversation, client_id: 'o1', text: 'Добрый день, Ольга!' });
      await v.pick((f) => f.type === 'message' && f.author.kind === 'operator', 5000, 'reply');
      op.send({ type: 'close', conversation: ack.conversation });
      await v.pick((f) => f.type === 'closed', 5000, 'closed');
      op.send({ type: 'close', conversation: ack.conversation });  // closing twice reports it once
      v.send({ type: 'rate', conversation: ack.conversation, rating: 'good', comment: 'Спасибо <b>!</b>' });
      await v.pick((f) => f.type === 'rated', 5000, 'rated');
      const lead = (await call('GET', '/api/v1/leads')).body.leads.find((l) => l.email === 'olga@example.ru');
      assert.equal((await call('PATCH', `/api/v1/leads/${lead.id}`, { status: 'won' })).status, 200);
      assert.equal((await call('PATCH', `/api/v1/leads/${lead.id}`, { status: 'won' })).status, 200);  // no change, no event
      // A duplicate (a resend of w1) says nothing either.
      v.send({ type: 'send', client_id: 'w1', text: 'Здравствуйте! Мой адрес olga@example.ru' });
      await v.pick((f) => f.type === 'ack', 5000, 'ack of the resend');

      const expected = ['conversation.started', 'message.created', 'lead.created', 'message.created', 'conversation.closed',
        'rating.given', 'lead.updated'];
      await rx.until((g) => g.length >= expected.length, 10000, 'all events');
      await new Promise((r) => setTimeout(r, 500));  // nothing more comes
      assert.deepEqual(rx.got.map((g) => g.json.type), expected, 'in the order they happened, each once');

      for (const g of rx.got) {
        assert.ok(verify(hook.secret, g.headers['otklik-signature'], g.body), 'the signature verifies');
        assert.ok(!verify('whsec_wrong', g.headers['otklik-signature'], g.body));
        assert.equal(g.headers['otklik-event'], g.json.type);
        assert.equal(g.headers['otklik-event-id'], g.json.id);
        assert.match(g.json.id, /^evt_[0-9a-f]{24}$/);
        assert.equal(g.headers['content-type'], 'application/json');
        assert.equal(g.headers['user-agent'], 'Otklik-Webhooks/1');
        assert.deepEqual(g.json.site, { id: site, key: 'demo-shop', name: g.json.site.name });
        assert.ok(Math.abs(Date.parse(g.json.created_at) - Date.now()) < 60000);
      }
      assert.equal(new Set(rx.got.map((g) => g.json.id)).size, rx.got.length, 'event ids are unique');
      const [started, first, leadCreated, reply, closed, rating, leadUpdated] = rx.got.map((g) => g.json.data);
      assert.equal(started.conversation.id, ack.conversation);
      assert.equal(started.conversation.status, 'open');
      assert.equal(first.conversation, ack.conversation);
      assert.equal(first.message.text, 'Здравствуйте! Мой адрес olga@example.ru');
      assert.equal(first.message.author.kind, 'visitor');
      assert.equal(reply.message.author.kind, 'operator');
      assert.equal(reply.message.seq, first.message.seq + 1);
      assert.equal(leadCreated.lead.email, 'olga@example.ru');
      assert.equal(leadCreated.lead.status, 'new');
      assert.equal(closed.conversation.status, 'closed');
      assert.deepEqual(rating, { conversation: ack.conversation, visitor: started.conversation.visitor, rating: 'good',
        comment: 'Спасибо <b>!</b>' });
      assert.equal(leadUpdated.lead.status, 'won');

      // The log shows each delivery as delivered, one attempt each, with the receiver's status.
      const log = await settledLog(call, hook.id);
      assert.equal(log.length, expected.length);
      for (const d of log) {
        assert.equal(d.state, 'delivered');
        assert.equal(d.attempts, 1);
        assert.equal(d.log[0].status, 200);
      }
      assert.deepEqual(log.map((d) => d.type).reverse(), expected, 'newest first');
      v.close(); op.close();
    } finally {
      await call('DELETE', `/api/v1/webhooks/${hook.id}`);
      await rx.close();
    }
  });

  test('a failing receiver is retried with backoff; later events wait their turn; redelivery on request', async () => {
    // The first two attempts fail (500, then a dropped connection's stand-in: 503), the third succeeds.
    const rx = await receiver({ answer: (_e, n) => (n === 1 ? 500 : n === 2 ? 503 : 200) });
    const hook = (await call('POST', '/api/v1/webhooks', { site, url: rx.url, events: ['message.created'] })).body.webhook;
    try {
      const v = await visitor(srv.url);
      v.send({ type: 'send', client_id: 'r1', text: 'первое' });
      await v.pick((f) => f.type === 'ack', 5000, 'ack 1');
      v.send({ type: 'send', client_id: 'r2', text: 'второе' });
      await v.pick((f) => f.type === 'ack', 5000, 'ack 2');
      await rx.until((g) => g.length >= 4, 15000, 'retries and the second event');
      const texts = rx.got.map((g) => g.json.data.message.text);
      assert.deepEqual(texts, ['первое', 'первое', 'первое', 'второе'], 'the second waits until the first is through');
      assert.deepEqual(rx.got.map((g) => g.headers['otklik-attempt']), ['1', '2', '3', '1']);
      assert.equal(new Set(rx.got.slice(0, 3).map((g) => g.json.id)).size, 1, 'a retry is the same event');
      assert.equal(rx.got[0].body, rx.got[2].body, 'byte for byte');
      const gap1 = rx.got[1].at - rx.got[0].at, gap2 = rx.got[2].at - rx.got[1].at;
      assert.ok(gap1 >= 700, `first retry after about 1 s (${gap1} ms)`);
      assert.ok(gap2 >= 1500, `the next after about 2 s (${gap2} ms)`);

      const log = (await call('GET', `/api/v1/webhooks/${hook.id}/deliveries`)).body.deliveries;
      const first = log.find((d) => d.attempts === 3);
      assert.equal(first.state, 'delivered');
      assert.deepEqual(first.log.map((a) => a.status), [200, 503, 500], 'every attempt, newest first');
      assert.equal(first.last_status, 200);

      // Redelivery on request: the same event (id and body) once more, at the end of the queue.
      const again = await call('POST', `/api/v1/webhooks/${hook.id}/deliveries/${first.id}/redeliver`);
      assert.equal(again.status, 202);
      assert.equal(again.body.delivery.event_id, rx.got[0].json.id);
      await rx.until((g) => g.length >= 5, 5000, 'the redelivery');
      assert.equal(rx.got[4].body, rx.got[0].body);
      assert.equal((await call('POST', `/api/v1/webhooks/${hook.id}/deliveries/999999/redeliver`)).status, 404);

      // A test event on request, to this endpoint only.
      const t = await call('POST', `/api/v1/webhooks/${hook.id}/test`);
      assert.equal(t.status, 202);
      await rx.until((g) => g.length >= 6, 5000, 'the test event');
      assert.equal(rx.got[5].json.type, 'webhook.test');
      assert.equal(rx.got[5].json.id, t.body.event_id);
      v.close();
    } finally {
      await call('DELETE', `/api/v1/webhooks/${hook.id}`);
      await rx.close();
    }
  });

  test('410 Gone turns the endpoint off with a notice; turning it on sends what waited', async () => {
    let gone = true;
    const rx = await receiver({ answer: () => (gone ? 410 : 200) });
    const hook = (await call('POST', '/api/v1/webhooks', { site, url: rx.url, events: ['message.created'] })).body.webhook;
    try {
      const v = await visitor(srv.url);
      v.send({ type: 'send', client_id: 'g1', text: 'раз' });
      await v.pick((f) => f.type === 'ack', 5000, 'ack');
      await rx.until((g) => g.length >= 1, 5000, 'the first attempt');
      let state;
      for (let i = 0; i < 50; i++) {
        state = (await call('GET', `/api/v1/webhooks/${hook.id}`)).body.webhook;
        if (!state.enabled) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(state.enabled, false);
      assert.match(state.disabled_reason, /410/);
      v.send({ type: 'send', client_id: 'g2', text: 'два' });
      await v.pick((f) => f.type === 'ack', 5000, 'ack');
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(rx.got.length, 1, 'an endpoint that is off gets nothing');
      assert.equal((await call('POST', `/api/v1/webhooks/${hook.id}/test`)).status, 409);
      gone = false;
      const on = await call('PATCH', `/api/v1/webhooks/${hook.id}`, { enabled: true });
      assert.equal(on.body.webhook.enabled, true);
      assert.equal(on.body.webhook.disabled_reason, '');
      await rx.until((g) => g.length >= 2, 5000, 'what waited');
      assert.equal(rx.got[1].json.data.message.text, 'два');
      const log = await settledLog(call, hook.id);
      assert.deepEqual(log.map((d) => d.state), ['delivered', 'failed']);
      assert.equal((await call('PATCH', `/api/v1/webhooks/${hook.id}`, { secret: 'x' })).status, 400);
      v.close();
    } finally {
      await call('DELETE', `/api/v1/webhooks/${hook.id}`);
      await rx.close();
    }
  });
});

test('kill -9 between commit and delivery: after the restart every event arrives exactly once', { timeout: 60000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'otk-webhooks-kill-'));
  const dataDir = path.join(dir, 'data');
  // The receiver is not listening yet: deliveries cannot happen before the kill.
  const parked = await receiver();
  const port = parked.port;
  await parked.close();
  let srv = await startServer({ dataDir, extraArgs: config(dir) });
  let rx;
  try {
    const owner = await login(srv.url);
    const call = api(srv.url, owner);
    const site = (await call('GET', '/api/v1/me')).body.sites.find((s) => s.key === 'demo-shop').id;
    const url = `http://127.0.0.1:${port}/hooks`;
    const hook = (await call('POST', '/api/v1/webhooks', { site, url, events: ['conversation.started', 'message.created'] })).body.webhook;
    const acked = [];
    for (let i = 0; i < 5; i++) {
      const v = await visitor(srv.url);
      for (let j = 0; j < 6; j++) {
        v.send({ type: 'send', client_id: `k${i}-${j}`, text: `сообщение ${i}-${j}` });
        acked.push((await v.pick((f) => f.type === 'ack', 5000, 'ack')).id);
      }
      v.close();
    }
    await srv.kill();
    // Listening now, on the address the endpoint names.
    const got = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => { got.push({ headers: req.headers, body, json: JSON.parse(body) }); res.writeHead(204); res.end(); });
    });
    await new Promise((r) => server.listen(port, '127.0.0.1', r));
    rx = { close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
    srv = await startServer({ dataDir, extraArgs: config(dir) });
    const deadline = Date.now() + 30000;
    while (got.filter((g) => g.json.type === 'message.created').length < 30 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1000));  // anything doubled would come now
    const messages = got.filter((g) => g.json.type === 'message.created');
    assert.equal(messages.length, 30, 'every acknowledged message arrived');
    assert.equal(got.filter((g) => g.json.type === 'conversation.started').length, 5);
    assert.equal(new Set(got.map((g) => g.json.id)).size, got.length, 'exactly once per event id');
    assert.deepEqual(new Set(messages.map((g) => g.json.data.message.text)).size, 30);
    for (const g of got) assert.ok(verify(hook.secret, g.headers['otklik-signature'], g.body));
    // Per conversation, in order.
    const byConv = new Map();
    for (const g of messages) byConv.set(g.json.data.conversation, [...(byConv.get(g.json.data.conversation) ?? []), g.json.data.message.seq]);
    for (const seqs of byConv.values()) assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  } finally {
    await srv.stop();
    await rx?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('https receivers', () => {
  let dir, tls;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'otk-webhooks-tls-'));
    const o = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Otklik test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
    const leaf = (name, san) => {
      writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
      o('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
      o('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
        '-extfile', `${name}.ext`, '-out', `${name}.pem`);
    };
    leaf('loopback', 'IP:127.0.0.1');
    leaf('elsewhere', 'DNS:crm.elsewhere.example');
    const read = (f) => execFileSync('cat', [path.join(dir, f)]);
    tls = {
      good: { key: read('loopback.key'), cert: read('loopback.pem') },
      wrongName: { key: read('elsewhere.key'), cert: read('elsewhere.pem') },
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function deliverOnce(srvArgs, cert) {
    const rx = await receiver({ tls: cert });
    const srv = await startServer({ dataDir: path.join(dir, `data-${Date.now()}`), extraArgs: srvArgs });
    try {
      const owner = await login(srv.url);
      const call = api(srv.url, owner);
      const site = (await call('GET', '/api/v1/me')).body.sites.find((s) => s.key === 'demo-shop').id;
      const hook = (await call('POST', '/api/v1/webhooks', { site, url: rx.url, events: ['lead.created'] })).body.webhook;
      assert.equal((await call('POST', `/api/v1/webhooks/${hook.id}/test`)).status, 202);
      let d;
      for (let i = 0; i < 60; i++) {
        d = (await call('GET', `/api/v1/webhooks/${hook.id}/deliveries`)).body.deliveries[0];
        if (d.attempts > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      return { d, got: rx.got.length };
    } finally {
      await srv.stop();
      await rx.close();
    }
  }

  test('an untrusted certificate is refused, and nothing is sent', async () => {
    const { d, got } = await deliverOnce(config(dir), tls.good);
    assert.equal(got, 0);
    assert.equal(d.state, 'pending', 'it will be tried again');
    assert.match(d.last_error, /TLS handshake/);
  });

  test('with its CA in [webhooks] ca_file the receiver gets the event over TLS', async () => {
    const { d, got } = await deliverOnce(config(dir, `ca_file = "${path.join(dir, 'ca.pem')}"\n`), tls.good);
    assert.equal(d.state, 'delivered', d.last_error);
    assert.equal(got, 1);
  });

  test('a trusted certificate for another name is refused', async () => {
    const { d, got } = await deliverOnce(config(dir, `ca_file = "${path.join(dir, 'ca.pem')}"\n`), tls.wrongName);
    assert.equal(got, 0);
    assert.match(d.last_error, /TLS handshake/);
  });
});

// ./scripts/demo: the demo shop's endpoint points at the server's own echo receiver, so the console has a log.
test('with --demo-webhook the demo shop delivers to the built-in echo receiver', async () => {
  const srv = await startServer({ extraArgs: ['--demo-webhook'] });
  try {
    const v = await visitor(srv.url, { site: 'demo-shop' });
    v.send({ type: 'send', client_id: 'echo-1', text: 'Проверка вебхука' });
    await v.type('ack');
    v.close();
    const s = await login(srv.url);
    const hooks = (await (await fetch(`${srv.url}/api/v1/webhooks`, { headers: { Cookie: s.cookie } })).json()).webhooks;
    assert.deepEqual(hooks.map((h) => [h.site_name, h.url]), [['Demo shop', `${srv.url}/demo/webhook-echo`]]);
    let deliveries = [];
    for (let i = 0; i < 50 && !(deliveries.length === 2 && deliveries.every((d) => d.state === 'delivered')); i++) {
      await new Promise((r) => setTimeout(r, 100));
      deliveries = (await (await fetch(`${srv.url}/api/v1/webhooks/${hooks[0].id}/deliveries`,
        { headers: { Cookie: s.cookie } })).json()).deliveries;
    }
    assert.deepEqual(deliveries.map((d) => [d.type, d.state, d.last_status]).sort(),
      [['conversation.started', 'delivered', 200], ['message.created', 'delivered', 200]]);
    // Without demo mode the path does not exist.
    const plain = await startServer({ demo: false });
    try {
      assert.equal((await fetch(`${plain.url}/demo/webhook-echo`, { method: 'POST', body: '{}' })).status, 400);
    } finally { await plain.stop(); }
  } finally { await srv.stop(); }
});
