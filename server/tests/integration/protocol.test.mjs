// Integration tests: the real binary on a free loopback port, spoken to over real WebSockets and HTTP.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, otklikBin } from '../../../web/e2e/fixture.mjs';
import { WsClient, visitor, login, operator, transcript } from './client.mjs';

const ws = (base) => base.replace('http', 'ws');

describe('chat protocol', () => {
  let srv, base, session;
  before(async () => {
    srv = await startServer();
    base = srv.url;
    session = await login(base);
  });
  after(async () => { await srv.stop(); });

  test('health and metrics answer', async () => {
    const h = await fetch(`${base}/healthz`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { status: 'ok' });
    const m = await (await fetch(`${base}/metrics`)).text();
    for (const name of ['otk_open_connections{kind="visitor"}', 'otk_messages_total', 'otk_commit_seconds_bucket', 'otk_errors_total']) {
      assert.ok(m.includes(name), `metrics lack ${name}`);
    }
  });

  test('visitor message is acknowledged after commit and reaches the operator live', async () => {
    const op = await operator(base, session);
    const v = await visitor(base);
    assert.equal(v.welcome.conversation, null);
    assert.ok(v.welcome.visitor.length >= 32);
    v.send({ type: 'send', client_id: 'a1', text: '  Есть доставка в Казань?  ' });
    const ack = await v.type('ack');
    assert.equal(ack.client_id, 'a1');
    assert.equal(ack.seq, 1);
    const conv = await op.type('conversation');
    assert.equal(conv.conversation.id, ack.conversation);
    assert.equal(conv.conversation.site_name, 'Demo shop');
    const msg = await op.next((f) => f.type === 'message' && f.client_id === 'a1');
    assert.equal(msg.text, 'Есть доставка в Казань?');
    assert.equal(msg.author.kind, 'visitor');
    // By the time of the ack the message is readable from storage by anyone entitled to it.
    const t = await transcript(base, session, ack.conversation);
    assert.deepEqual(t.map((m) => m.client_id), ['a1']);

    op.send({ type: 'send', conversation: ack.conversation, client_id: 'o1', text: 'Да, за 2 дня' });
    const opAck = await op.type('ack');
    assert.equal(opAck.seq, 2);
    const reply = await v.next((f) => f.type === 'message' && f.seq === 2);
    assert.equal(reply.author.kind, 'operator');
    assert.equal(reply.author.name, 'Демо Оператор');
    await v.close(); await op.close();
  });

  test('a resend with the same client_id is acknowledged again and stored once', async () => {
    const v = await visitor(base);
    v.send({ type: 'send', client_id: 'dup', text: 'один раз' });
    const first = await v.type('ack');
    v.send({ type: 'send', client_id: 'dup', text: 'один раз' });
    const second = await v.type('ack');
    assert.equal(second.id, first.id);
    assert.equal(second.seq, first.seq);
    const t = await transcript(base, session, first.conversation);
    assert.equal(t.filter((m) => m.client_id === 'dup').length, 1);
    await v.close();
  });

  test('after a reconnect the visitor receives exactly what it missed', async () => {
    const op = await operator(base, session);
    let v = await visitor(base);
    const token = v.welcome.visitor;
    for (const id of ['r1', 'r2', 'r3']) v.send({ type: 'send', client_id: id, text: id });
    let last;
    for (let i = 0; i < 3; i++) last = await v.type('ack');
    await v.close();
    for (const id of ['o-r1', 'o-r2']) op.send({ type: 'send', conversation: last.conversation, client_id: id, text: id });
    await op.type('ack'); await op.type('ack');

    v = await visitor(base, { token });
    assert.deepEqual(v.welcome.conversation, { id: last.conversation, last_seq: 5, bot: false });
    v.send({ type: 'history', conversation: last.conversation, after: 3 });
    const h = await v.type('history');
    assert.deepEqual(h.messages.map((m) => [m.seq, m.client_id]), [[4, 'o-r1'], [5, 'o-r2']]);
    assert.equal(h.more, false);
    await v.close(); await op.close();
  });

  test('history pages by sequence with a more flag', async () => {
    const v = await visitor(base);
    for (let i = 0; i < 7; i++) v.send({ type: 'send', client_id: `p${i}`, text: `p${i}` });
    let ack;
    for (let i = 0; i < 7; i++) ack = await v.type('ack');
    v.send({ type: 'history', conversation: ack.conversation, after: 2, limit: 3 });
    const h = await v.type('history');
    assert.deepEqual(h.messages.map((m) => m.seq), [3, 4, 5]);
    assert.equal(h.more, true);
    await v.close();
  });

  test('typing goes both ways and is never stored', async () => {
    const op = await operator(base, session);
    const v = await visitor(base);
    v.send({ type: 'send', client_id: 't1', text: 'hi' });
    const ack = await v.type('ack');
    v.send({ type: 'typing', active: true });
    const t1 = await op.next((f) => f.type === 'typing' && f.conversation === ack.conversation);
    assert.deepEqual(t1.author, { kind: 'visitor' });
    assert.equal(t1.active, true);
    op.send({ type: 'typing', conversation: ack.conversation, active: true });
    const t2 = await v.type('typing');
    assert.equal(t2.author.kind, 'operator');
    const t = await transcript(base, session, ack.conversation);
    assert.equal(t.length, 1);
    await v.close(); await op.close();
  });

  test('bad frames get precise errors and the connection survives', async () => {
    const v = new WsClient(`${ws(base)}/ws/visitor?site=demo-shop`, { origin: base });
    await v.opened;
    v.send({ type: 'send', client_id: 'x', text: 'before hello' });
    assert.equal((await v.type('error')).code, 'not_ready');
    v.send({ type: 'hello' });
    await v.type('welcome');
    v.send({ type: 'hello' });
    assert.equal((await v.type('error')).code, 'not_ready');
    v.send('{not json');
    assert.equal((await v.type('error')).code, 'bad_json');
    v.send({ type: 'teleport' });
    assert.equal((await v.type('error')).code, 'unknown_type');
    v.send({ type: 'send', text: 'no id' });
    const noId = await v.type('error');
    assert.equal(noId.code, 'bad_frame');
    assert.match(noId.message, /client_id/);
    v.send({ type: 'send', client_id: 'long', text: 'я'.repeat(4001) });
    const long = await v.type('error');
    assert.equal(long.code, 'text_too_long');
    assert.equal(long.ref, 'long');
    v.send({ type: 'send', client_id: 'blank', text: ' \n\t ' });
    assert.equal((await v.type('error')).code, 'text_empty');
    v.send({ type: 'history', conversation: 999999, after: 0 });
    assert.equal((await v.type('error')).code, 'not_found');
    v.send({ type: 'send', client_id: 'ok', text: 'still here' });
    const ack = await v.type('ack');
    const t = await transcript(base, session, ack.conversation);
    assert.deepEqual(t.map((m) => m.client_id), ['ok']);  // nothing of the bad frames was stored
    await v.close();
  });

  test('an oversized frame closes the connection with 1009', async () => {
    const v = await visitor(base);
    v.send(JSON.stringify({ type: 'send', client_id: 'big', text: 'x'.repeat(17 * 1024) }));
    const closed = await v.closedPromise;
    assert.equal(closed.code, 1009);
  });

  test('a flood of frames is throttled with rate_limited', async () => {
    const v = await visitor(base);
    for (let i = 0; i < 80; i++) v.send({ type: 'typing', active: i % 2 === 0 });
    v.send({ type: 'send', client_id: 'flood', text: 'dropped?' });
    const e = await v.next((f) => f.type === 'error' && f.code === 'rate_limited');
    assert.equal(e.code, 'rate_limited');
    // A refused send names its client_id, so the widget knows which message to retry.
    await v.next((f) => f.type === 'error' && f.code === 'rate_limited' && f.ref === 'flood');
    await v.close();
  });

  test('the widget socket checks Origin and the site key', async () => {
    const foreign = new WsClient(`${ws(base)}/ws/visitor?site=demo-shop`, { origin: 'https://evil.example' });
    await assert.rejects(foreign.opened, (e) => e.status === 403 && JSON.parse(e.body).error.code === 'origin_not_allowed');
    const unknown = new WsClient(`${ws(base)}/ws/visitor?site=nope`, { origin: base });
    await assert.rejects(unknown.opened, (e) => e.status === 404);
  });

  test('the operator socket needs a session and the console origin', async () => {
    const anon = new WsClient(`${ws(base)}/ws/operator`, { origin: base });
    await assert.rejects(anon.opened, (e) => e.status === 401);
    const hijack = new WsClient(`${ws(base)}/ws/operator`, { origin: 'https://evil.example', cookie: session.cookie });
    await assert.rejects(hijack.opened, (e) => e.status === 403);
  });

  test('REST auth: wrong password, CSRF, logout closes the session everywhere', async () => {
    const bad = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'demo@example.com', password: 'nope' }),
    });
    assert.equal(bad.status, 401);
    assert.equal((await bad.json()).error.code, 'bad_credentials');
    const form = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'email=a&password=b',
    });
    assert.equal(form.status, 400);
    assert.equal((await fetch(`${base}/api/v1/me`)).status, 401);

    const s = await login(base);
    const me = await (await fetch(`${base}/api/v1/me`, { headers: { Cookie: s.cookie } })).json();
    assert.deepEqual(me.sites.map((x) => x.name).sort(), ['Demo bikes', 'Demo provider', 'Demo shop']);
    const op = await operator(base, s);
    const noCsrf = await fetch(`${base}/api/v1/auth/logout`, { method: 'POST', headers: { Cookie: s.cookie } });
    assert.equal(noCsrf.status, 403);
    assert.equal((await noCsrf.json()).error.code, 'csrf');
    const out = await fetch(`${base}/api/v1/auth/logout`, { method: 'POST', headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf } });
    assert.equal(out.status, 204);
    assert.equal((await op.closedPromise).code, 4001);
    assert.equal((await fetch(`${base}/api/v1/me`, { headers: { Cookie: s.cookie } })).status, 401);
  });

  test('every login issues a new session token', async () => {
    const a = await login(base);
    const b = await login(base);
    assert.notEqual(a.cookie, b.cookie);
  });
});

describe('login rate limit', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv.stop(); });

  test('too many attempts get 429 with Retry-After', async () => {
    // 10 per minute with a burst of 10. Each wrong attempt costs an argon2id check, which under the sanitizers on
    // a busy machine can take long enough for a token to refill, so the test does not count on the 11th: it asks
    // that refusals start soon after the burst and stay far below the 10-per-minute pace.
    let last;
    let attempts = 0;
    do {
      last = await fetch(`${srv.url}/api/v1/auth/login`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'demo@example.com', password: `wrong${attempts}` }),
      });
      attempts++;
    } while (last.status === 401 && attempts < 20);
    assert.equal(last.status, 429);
    assert.ok(attempts >= 11, `refused after ${attempts} attempts: the burst of 10 is allowed`);
    assert.ok(Number(last.headers.get('retry-after')) >= 1);
  });
});

describe('tenant isolation', () => {
  let srv, dataDir;
  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'otk-tenants-'));
    // A second agency with its own site and operator, created through the CLI before the server starts.
    execFileSync(otklikBin, ['site', 'add', '--data', dataDir, '--account', 'Other agency', '--key', 'other-site',
      '--name', 'Other site', '--origin', 'http://127.0.0.1']);
    execFileSync(otklikBin, ['user', 'add', '--data', dataDir, '--account', 'Other agency', '--email', 'b@other.example',
      '--name', 'Boris', '--role', 'owner', '--site', 'other-site', '--password', 'secret-b']);
    srv = await startServer({ dataDir });
  });
  after(async () => { await srv.stop(); rmSync(dataDir, { recursive: true, force: true }); });

  test("an operator of account B gets nothing of account A", async () => {
    const base = srv.url;
    const a = await login(base);
    const b = await login(base, 'b@other.example', 'secret-b');
    const opB = await operator(base, b);
    assert.deepEqual(opB.welcome.sites.map((s) => s.name), ['Other site']);

    const v = await visitor(base);
    v.send({ type: 'send', client_id: 'secret', text: 'мой адрес: ул. Ленина, 1' });
    const ack = await v.type('ack');
    const conv = ack.conversation;
    assert.equal((await transcript(base, a, conv)).length, 1);

    const list = await (await fetch(`${base}/api/v1/conversations`, { headers: { Cookie: b.cookie } })).json();
    assert.equal(list.conversations.length, 0);
    const rest = await fetch(`${base}/api/v1/conversations/${conv}/messages`, { headers: { Cookie: b.cookie } });
    assert.equal(rest.status, 404);
    for (const frame of [
      { type: 'history', conversation: conv, after: 0 },
      { type: 'send', conversation: conv, client_id: 'intrude', text: 'hi' },
      { type: 'typing', conversation: conv, active: true },
      { type: 'read', conversation: conv, seq: 1 },
    ]) {
      opB.send(frame);
      const e = await opB.type('error');
      assert.equal(e.code, 'not_found', JSON.stringify(frame));
    }
    // Nothing of A's conversation ever reached B's socket.
    assert.ok(!opB.frames.some((f) => f.conversation === conv || f.conversation?.id === conv));
    assert.equal((await transcript(base, a, conv)).length, 1);
    await v.close(); await opB.close();
  });
});

describe('durability', () => {
  test('kill -9 after acknowledgements loses nothing; restart keeps everything', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'otk-kill-'));
    let srv = await startServer({ dataDir });
    try {
      let session = await login(srv.url);
      const v = await visitor(srv.url);
      const token = v.welcome.visitor;
      const acked = [];
      for (let i = 0; i < 30; i++) v.send({ type: 'send', client_id: `k${i}`, text: `message ${i}` });
      for (let i = 0; i < 30; i++) acked.push(await v.type('ack'));
      await srv.kill();
      srv = await startServer({ dataDir });
      session = await login(srv.url);
      const t = await transcript(srv.url, session, acked[0].conversation);
      assert.deepEqual(t.map((m) => m.client_id), acked.map((a) => a.client_id));
      assert.deepEqual(t.map((m) => m.seq), acked.map((_, i) => i + 1));
      // The visitor comes back with its token and its conversation.
      const again = await visitor(srv.url, { token });
      assert.deepEqual(again.welcome.conversation, { id: acked[0].conversation, last_seq: 30, bot: false });
      await again.close();
    } finally {
      await srv.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('SIGTERM closes sockets with 1001 and exits cleanly', async () => {
    const srv = await startServer();
    const v = await visitor(srv.url);
    const closed = v.closedPromise;
    const exit = await srv.stop();
    assert.equal((await closed).code, 1001);
    assert.equal(exit.code, 0);
  });
});

describe('site settings from the command line', () => {
  test('a bad setting is refused with its name and changes nothing; a good one reaches the widget', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'otk-site-'));
    const site = (...args) => spawnSync(otklikBin, ['site', 'add', '--data', dataDir, '--account', 'Shop', '--key', 'shop', ...args],
      { encoding: 'utf8' });
    try {
      assert.equal(site('--name', 'Shop', '--origin', 'HTTPS://Shop.Example/').status, 0);
      for (const [args, says] of [[['--origin', 'https://shop.example/path'], /no path/], [['--color', 'red'], /colour/],
        [['--position', 'middle'], /position/], [['--greeting', 'x'.repeat(281)], /greeting/]]) {
        const r = site(...args);
        assert.equal(r.status, 2, args.join(' '));
        assert.match(r.stderr, says);
      }
      assert.equal(site('--color', '#0F8A5F', '--position', 'left', '--team-name', 'Команда магазина').status, 0);
      const srv = await startServer({ dataDir, demo: false });
      try {
        const loader = await (await fetch(`${srv.url}/widget.js?site=shop`)).text();
        const cfg = JSON.parse(loader.match(/\.config=(\{.*?\});\n/)[1]);
        assert.equal(cfg.color, '#0f8a5f');
        assert.equal(cfg.position, 'left');
        assert.equal(cfg.operator_name, 'Команда магазина');
        assert.equal(cfg.site_name, 'Shop', 'updating one option keeps the others');
        const refused = await new Promise((resolve) => {
          const c = new WsClient(`${ws(srv.url)}/ws/visitor?site=shop`, { origin: 'https://shop.example:443' });
          c.opened.then(() => resolve('opened'), (e) => resolve(e));
        });
        assert.equal(refused.status, 403, 'browsers send origins without the default port, and so does the list');
        const ok = new WsClient(`${ws(srv.url)}/ws/visitor?site=shop`, { origin: 'https://shop.example' });
        await ok.opened;
        await ok.close();
      } finally {
        await srv.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
