// Operator photos over real HTTP: upload checks (auth, CSRF, type by content, size), serving, the photo on
// operator messages the visitor receives, removal, and a restart keeping it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, png } from '../../../web/e2e/fixture.mjs';
import { visitor, login, operator } from './client.mjs';

describe('operator photos', () => {
  let srv, base, session, dataDir;
  const put = (body, { csrf = session.csrf, cookie = session.cookie, type = 'image/png' } = {}) =>
    fetch(`${base}/api/v1/me/photo`, {
      method: 'PUT', body,
      headers: { 'Content-Type': type, ...(cookie ? { Cookie: cookie } : {}), ...(csrf ? { 'X-CSRF-Token': csrf } : {}) },
    });
  const photos = () => readdirSync(path.join(dataDir, 'media', 'operators')).filter((f) => !f.endsWith('.tmp'));

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'otk-media-'));
    srv = await startServer({ dataDir });
    base = srv.url;
    session = await login(base);
    assert.equal(session.operator.photo, null);
  });
  after(async () => { await srv.stop(); rmSync(dataDir, { recursive: true, force: true }); });

  test('an upload needs a session and the CSRF token', async () => {
    const image = png(8, 8, [200, 40, 40]);
    const anonymous = await put(image, { cookie: null, csrf: null });
    assert.equal(anonymous.status, 401);
    const forged = await put(image, { csrf: null });
    assert.equal(forged.status, 403);
    assert.equal((await forged.json()).error.code, 'csrf');
  });

  test('the bytes decide the type: SVG, text and broken images are refused, whatever the Content-Type says', async () => {
    const svg = await put('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', { type: 'image/png' });
    assert.equal(svg.status, 415);
    assert.equal((await svg.json()).error.code, 'unsupported_media');
    const truncated = await put(png(8, 8, [0, 0, 0]).subarray(0, 12));
    assert.equal(truncated.status, 415);
    const empty = await put(Buffer.alloc(0));
    assert.equal(empty.status, 400);
    const huge = await put(png(5000, 1, [0, 0, 0]));
    assert.equal(huge.status, 400);
    assert.match((await huge.json()).error.message, /4096/);
    const tooBig = await put(Buffer.alloc(1024 * 1024 + 1, 1));
    assert.equal(tooBig.status, 413);
    assert.equal((await login(base)).operator.photo, null, 'nothing was stored');
    // Other paths keep the 64 KiB limit, also for a body that declares its length.
    const bigJson = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'demo@example.com', password: 'x'.repeat(100 * 1024) }) });
    assert.equal(bigJson.status, 413);
  });

  test('an uploaded photo is served, shown on operator messages, replaced and removed', async () => {
    const red = png(64, 64, [220, 30, 30]);
    const res = await put(red);
    assert.equal(res.status, 200);
    const { operator: me } = await res.json();
    assert.match(me.photo, new RegExp(`^/media/operators/${me.id}/[0-9a-f]{16}$`));

    const got = await fetch(base + me.photo);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'image/png');
    assert.match(got.headers.get('cache-control'), /immutable/);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), red);
    assert.equal((await fetch(`${base}/media/operators/${me.id}/0000000000000000`)).status, 404, 'a guessed version');
    const etag = got.headers.get('etag');
    assert.equal((await fetch(base + me.photo, { headers: { 'If-None-Match': etag } })).status, 304);

    // The visitor sees the operator's face on the answer.
    const op = await operator(base, session);
    const v = await visitor(base);
    v.send({ type: 'send', client_id: 'p1', text: 'Здравствуйте!' });
    const ack = await v.type('ack');
    await op.next((f) => f.type === 'message' && f.client_id === 'p1');
    op.send({ type: 'send', conversation: ack.conversation, client_id: 'po1', text: 'Добрый день!' });
    const answer = await v.type('message');
    assert.equal(answer.author.photo, me.photo);

    // A new photo replaces the old one: the old URL is gone, and so is its file.
    const blue = await (await put(png(32, 32, [30, 30, 220]))).json();
    assert.notEqual(blue.operator.photo, me.photo);
    assert.equal((await fetch(base + me.photo)).status, 404);
    assert.equal(photos().length, 1);
    v.send({ type: 'history', conversation: ack.conversation, after: 0 });
    const history = await v.type('history');
    assert.equal(history.messages.find((m) => m.client_id === 'po1').author.photo, blue.operator.photo);

    const del = await fetch(`${base}/api/v1/me/photo`, { method: 'DELETE', headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrf } });
    assert.equal(del.status, 204);
    assert.equal((await fetch(base + blue.operator.photo)).status, 404);
    assert.equal(photos().length, 0);
    await v.close(); await op.close();
  });

  test('a photo survives a restart', async () => {
    const green = png(16, 16, [30, 200, 30]);
    const { operator: me } = await (await put(green)).json();
    await srv.stop();
    srv = await startServer({ dataDir });
    base = srv.url;
    session = await login(base);
    assert.equal(session.operator.photo, me.photo);
    assert.deepEqual(Buffer.from(await (await fetch(base + me.photo)).arrayBuffer()), green);
  });
});
