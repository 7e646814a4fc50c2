// File attachments over real HTTP and WebSocket: a visitor's image reaches the operator live and byte for byte,
// an operator's PDF reaches the visitor; the bytes decide the type; the size limit ([limits] attachment_mb);
// nobody but the conversation's operators and its visitor gets a file; the serving headers; a resend stores
// nothing twice; and a restart keeps it all.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, otklikBin, png } from '../../../web/e2e/fixture.mjs';
import { visitor, login, operator, transcript } from './client.mjs';

const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n', 'latin1');

describe('attachments', () => {
  let srv, base, dataDir, config, session, console_, v, token, conversation;
  const files = () => {
    try { return readdirSync(path.join(dataDir, 'media', 'attachments')).sort(); } catch { return []; }
  };
  const visitorUpload = (body, { name = 'file', tok = token, origin = base, clientId } = {}) =>
    fetch(`${base}/api/v1/widget/attachments?site=demo-shop&name=${encodeURIComponent(name)}` +
      (clientId ? `&client_id=${clientId}` : ''), {
      method: 'POST', body, headers: { Origin: origin, ...(tok ? { 'X-Otklik-Visitor': tok } : {}) } });
  const visitorGet = (id, { tok = token, origin = base } = {}) =>
    fetch(`${base}/api/v1/widget/attachments/${id}?site=demo-shop`, { headers: { Origin: origin, 'X-Otklik-Visitor': tok } });
  const operatorUpload = (conv, body, { name = 'file', s = session, clientId } = {}) =>
    fetch(`${base}/api/v1/conversations/${conv}/attachments?name=${encodeURIComponent(name)}` +
      (clientId ? `&client_id=${clientId}` : ''), {
      method: 'POST', body, headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf } });
  const operatorGet = (id, s = session) => fetch(`${base}/api/v1/attachments/${id}`, { headers: { Cookie: s.cookie } });

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'otk-attach-'));
    config = path.join(dataDir, 'otklik.toml');
    writeFileSync(config, '[limits]\nattachment_mb = 2\n');
    const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dataDir], { encoding: 'utf8' });
    cli('site', 'add', '--account', 'Other', '--key', 'other', '--name', 'Other', '--origin', 'https://other.example');
    cli('user', 'add', '--account', 'Other', '--email', 'olga@other.example', '--name', 'Olga', '--site', 'other',
      '--password', 'secret', '--role', 'owner');
    srv = await startServer({ dataDir, extraArgs: ['--config', config] });
    base = srv.url;
    session = await login(base);
    console_ = await operator(base, session);
    v = await visitor(base);
    token = v.welcome.visitor;
    v.send({ type: 'send', client_id: 'first', text: 'Здравствуйте, пришлю фото' });
    conversation = (await v.pick((f) => f.type === 'ack', 5000, 'ack')).conversation;
  });
  after(async () => {
    v?.close(); console_?.close();
    await srv?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let image, imageId;
  test('a visitor\'s image reaches the operator live, with its metadata, and downloads byte for byte', async () => {
    image = png(40, 30, [30, 120, 200]);
    const res = await visitorUpload(image, { name: 'C:\\Users\\anna\\фото\u202Egnp.exe', clientId: 'img-1' });
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(res.headers.get('access-control-allow-origin'), base);
    const { message } = await res.json();
    assert.equal(message.conversation, conversation);
    assert.equal(message.seq, 2);
    assert.equal(message.author.kind, 'visitor');
    assert.match(message.attachment.id, /^[0-9a-f]{32}$/);
    // Path parts and the right-to-left override are gone, and the file ends with what it really is.
    assert.deepEqual(message.attachment, { id: message.attachment.id, name: 'фотоgnp.exe.png', type: 'image/png', size: image.length });
    assert.equal(message.text, '[файл: фотоgnp.exe.png]');
    imageId = message.attachment.id;

    const live = await console_.pick((f) => f.type === 'message' && f.seq === 2 && f.conversation === conversation, 5000, 'live message');
    assert.deepEqual(live.attachment, message.attachment);
    const mine = await v.pick((f) => f.type === 'message' && f.seq === 2, 5000, 'the visitor\'s own copy');
    assert.equal(mine.attachment.id, imageId);

    const got = await operatorGet(imageId);
    assert.equal(got.status, 200);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(image), 'the same bytes');
    assert.equal(got.headers.get('content-type'), 'image/png');
    assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
    assert.match(got.headers.get('content-security-policy'), /default-src 'none'.*sandbox/);
    assert.match(got.headers.get('cache-control'), /^private/);
    assert.equal(got.headers.get('content-disposition'),
      `inline; filename="____gnp.exe.png"; filename*=UTF-8''${encodeURIComponent('фотоgnp.exe.png')}`);
    assert.deepEqual(files(), [imageId]);
  });

  let pdfId;
  test('an operator\'s PDF reaches the visitor, who fetches it with its token; it downloads, never opens inline', async () => {
    const res = await operatorUpload(conversation, pdf, { name: 'Счёт "№5".pdf', clientId: 'pdf-1' });
    assert.equal(res.status, 201, await res.clone().text());
    const { message } = await res.json();
    assert.equal(message.author.kind, 'operator');
    assert.equal(message.attachment.type, 'application/pdf');
    assert.equal(message.attachment.name, 'Счёт "№5".pdf');
    pdfId = message.attachment.id;
    const live = await v.pick((f) => f.type === 'message' && f.seq === 3, 5000, 'live message to the visitor');
    assert.deepEqual(live.attachment, message.attachment);

    const got = await visitorGet(pdfId);
    assert.equal(got.status, 200);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(pdf));
    assert.equal(got.headers.get('content-type'), 'application/pdf');
    assert.equal(got.headers.get('access-control-allow-origin'), base);
    assert.equal(got.headers.get('content-disposition'),
      `attachment; filename="____ __5_.pdf"; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82%20%22%E2%84%965%22.pdf`);
    // The visitor reads its own image too.
    assert.equal((await visitorGet(imageId)).status, 200);
  });

  test('a resend with the same client id stores nothing twice', async () => {
    const again = await operatorUpload(conversation, pdf, { name: 'Счёт.pdf', clientId: 'pdf-1' });
    assert.equal(again.status, 200);
    assert.equal((await again.json()).message.attachment.id, pdfId);
    assert.equal((await transcript(base, session, conversation)).length, 3);
    assert.deepEqual(files(), [imageId, pdfId].sort());
  });

  test('the bytes decide the type: HTML, SVG and an executable are refused with a code, and nothing is stored', async () => {
    const refused = [
      ['page.png', '<!doctype html><script>alert(1)</script>'],
      ['logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
      ['setup.pdf', Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00', 'latin1')],
    ];
    for (const [name, body] of refused) {
      const byVisitor = await visitorUpload(body, { name });
      assert.equal(byVisitor.status, 415, name);
      assert.equal((await byVisitor.json()).error.code, 'unsupported_media');
      const byOperator = await operatorUpload(conversation, body, { name });
      assert.equal(byOperator.status, 415, name);
      assert.equal((await byOperator.json()).error.code, 'unsupported_media');
    }
    const empty = await visitorUpload(Buffer.alloc(0), { name: 'x.png' });
    assert.equal(empty.status, 400);
    assert.equal((await transcript(base, session, conversation)).length, 3);
    assert.deepEqual(files(), [imageId, pdfId].sort());
  });

  test('a file over [limits] attachment_mb is refused with 413 before it is read', async () => {
    const big = Buffer.concat([pdf, Buffer.alloc(2 * 1024 * 1024, 0x20)]);
    const byOperator = await operatorUpload(conversation, big, { name: 'big.pdf' });
    assert.equal(byOperator.status, 413);
    const byVisitor = await visitorUpload(big, { name: 'big.pdf' });
    assert.equal(byVisitor.status, 413);
    // The session refuses it before the router sees it, yet with the widget's CORS headers for the site's own
    // origin, so the widget can read the code and say the file is too big; a foreign page gets none.
    assert.equal(byVisitor.headers.get('access-control-allow-origin'), base);
    assert.equal((await byVisitor.json()).error.code, 'too_large');
    const foreign = await visitorUpload(big, { name: 'big.pdf', origin: 'https://evil.example' });
    assert.equal(foreign.status, 413);
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    assert.equal(byOperator.headers.get('access-control-allow-origin'), null, 'the console is same-origin');
    // Just under the limit is fine, past the 1 MiB HTTP parsers default to (Beast's once refused it first).
    const fits = await operatorUpload(conversation, big.subarray(0, 2 * 1024 * 1024), { name: 'fits.pdf' });
    assert.equal(fits.status, 201);
    const { message } = await fits.json();
    assert.equal(message.attachment.size, 2 * 1024 * 1024);
    await v.pick((f) => f.type === 'message' && f.seq === 4, 5000, 'the fitting one');
  });

  test('nobody else gets a file: another visitor, another account, a foreign origin, no token, a made-up id', async () => {
    const stranger = await visitor(base);
    const other = stranger.welcome.visitor;
    stranger.close();
    for (const id of [imageId, pdfId]) {
      assert.equal((await visitorGet(id, { tok: other })).status, 404);
    }
    const olga = await login(base, 'olga@other.example', 'secret');
    for (const id of [imageId, pdfId]) {
      const res = await operatorGet(id, olga);
      assert.equal(res.status, 404);
      assert.equal((await res.json()).error.code, 'not_found');
    }
    assert.equal((await operatorUpload(conversation, pdf, { s: olga })).status, 404, 'nor write into it');
    assert.equal((await visitorGet(imageId, { origin: 'https://evil.example' })).status, 403);
    assert.equal((await visitorUpload(pdf, { origin: 'https://evil.example' })).status, 403);
    assert.equal((await visitorUpload(pdf, { tok: '' })).status, 401);
    assert.equal((await visitorUpload(pdf, { tok: 'v1.not-a-token' })).status, 401);
    assert.equal((await operatorGet('0'.repeat(32))).status, 404);
    assert.equal((await operatorGet('../../otklik.db')).status, 404);
    assert.equal((await fetch(`${base}/api/v1/attachments/${imageId}`)).status, 401, 'no session');
    const forged = await fetch(`${base}/api/v1/conversations/${conversation}/attachments`, {
      method: 'POST', body: pdf, headers: { Cookie: session.cookie } });
    assert.equal(forged.status, 403, 'no CSRF token');
    assert.equal((await transcript(base, session, conversation)).length, 4);
  });

  test('the widget\'s CORS preflight is answered for the site\'s origin only', async () => {
    const ok = await fetch(`${base}/api/v1/widget/attachments?site=demo-shop`, { method: 'OPTIONS',
      headers: { Origin: base, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-otklik-visitor' } });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), base);
    assert.match(ok.headers.get('access-control-allow-headers'), /X-Otklik-Visitor/);
    const evil = await fetch(`${base}/api/v1/widget/attachments?site=demo-shop`, { method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });

  test('attachments survive a restart and come back on resume; the start sweeps old orphan files only', async () => {
    v.close(); console_.close();
    await srv.stop();
    // Files no row names (a crash between the write and the commit): an old one and an unfinished write go at
    // the start; a fresh one may still be waiting for its commit and stays, as does every real attachment.
    const dir = path.join(dataDir, 'media', 'attachments');
    const hoursAgo = (h) => new Date(Date.now() - h * 3600 * 1000);
    const oldOrphan = 'a'.repeat(32), freshOrphan = 'b'.repeat(32), oldTemp = `${'c'.repeat(32)}.tmp`;
    for (const name of [oldOrphan, freshOrphan, oldTemp]) writeFileSync(path.join(dir, name), pdf);
    utimesSync(path.join(dir, oldOrphan), hoursAgo(2), hoursAgo(2));
    utimesSync(path.join(dir, oldTemp), hoursAgo(2), hoursAgo(2));
    utimesSync(path.join(dir, imageId), hoursAgo(48), hoursAgo(48));
    const before = files().length;
    srv = await startServer({ dataDir, extraArgs: ['--config', config] });
    base = srv.url;
    for (let i = 0; i < 100 && files().includes(oldOrphan); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!files().includes(oldOrphan), 'the old orphan is gone');
    assert.ok(!files().includes(oldTemp), 'the old unfinished write is gone');
    assert.ok(files().includes(freshOrphan), 'a fresh file stays');
    assert.ok(files().includes(imageId), 'a real attachment stays, however old');
    assert.equal(files().length, before - 2);
    v = await visitor(base, { token });
    assert.equal(v.welcome.conversation.id, conversation);
    assert.equal(v.welcome.conversation.last_seq, 4);
    v.send({ type: 'history', conversation, after: 1 });
    const history = await v.type('history');
    assert.deepEqual(history.messages.map((m) => m.attachment?.id), [imageId, pdfId, history.messages[2].attachment.id]);
    session = await login(base);
    console_ = await operator(base, session);
    const got = await operatorGet(imageId);
    assert.equal(got.status, 200);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(image));
    const summary = console_.welcome.conversations.find((c) => c.id === conversation);
    assert.equal(summary.last_message.attachment.name, 'fits.pdf');
  });
});
