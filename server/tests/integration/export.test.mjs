// CSV exports over real HTTP: the byte order mark and header row, whole UTC days of rows, RFC 4180 quoting with
// formulas neutralised, tenant isolation, the errors, and a large export streamed with chunked encoding in which
// every row arrives exactly once.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, otklikBin } from '../../../web/e2e/fixture.mjs';
import { visitor, login } from './client.mjs';

const origin = 'https://shop.example';
const BOM = '\uFEFF';
const LEAD_COLUMNS = 'id,site_id,site_name,created_at,updated_at,status,name,email,phone,source,referrer,utm_source,' +
  'utm_medium,utm_campaign,landing_page,visits,message';
const day = (ms) => new Date(ms).toISOString().slice(0, 10);
const DAY = 24 * 3600 * 1000;

/** RFC 4180: rows of fields; quoted fields may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field); rows.push(row); row = []; field = ''; i++;
    } else field += c;
  }
  assert.equal(field + row.join(''), '', 'the file ends with CRLF');
  return rows;
}

/** The body as it came, byte order mark included (Response.text() would drop it). */
const csvText = async (res) => Buffer.from(await res.arrayBuffer()).toString('utf8');

/** The rows as objects keyed by the header row. */
function records(text) {
  assert.ok(text.startsWith(BOM), 'UTF-8 byte order mark');
  const [header, ...rows] = parseCsv(text.slice(BOM.length));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

/** GET with node:http: status, headers, the raw body, and how many pieces it came in. */
function download(url, cookie, { abortAfterFirstPiece = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: cookie ? { Cookie: cookie } : {} }, (res) => {
      const pieces = [];
      res.on('data', (c) => {
        pieces.push(c);
        if (abortAfterFirstPiece) { req.destroy(); resolve({ status: res.statusCode, headers: res.headers, aborted: true }); }
      });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(pieces).toString('utf8'),
        pieces: pieces.length }));
      res.on('error', reject);
    });
    req.on('error', (e) => (abortAfterFirstPiece ? null : reject(e)));
  });
}

describe('exports', () => {
  let srv, dir, alice, olga, sql, shopId, otherId;
  const now = Date.now();
  const range = `from=${day(now - DAY)}&to=${day(now + DAY)}`;

  /** One visitor leaves contacts through the widget's form. */
  async function contact(site, pageOrigin, fields) {
    const v = await visitor(srv.url, { site, origin: pageOrigin,
      page: { url: `${pageOrigin}/boots?utm_source=ya&utm_campaign=winter`, title: 'Boots', referrer: 'https://ya.ru/' } });
    v.send({ type: 'contact', client_id: 'form', ...fields });
    await v.type('contact_saved', 10000);
    v.close();
  }

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'otk-export-'));
    const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
    cli('site', 'add', '--account', 'Shop', '--key', 'shop', '--name', 'Магазин', '--origin', origin);
    cli('user', 'add', '--account', 'Shop', '--email', 'alice@shop.example', '--name', 'Alice', '--site', 'shop',
      '--password', 'secret');
    cli('site', 'add', '--account', 'Other', '--key', 'other', '--name', 'Other', '--origin', 'https://other.example');
    cli('user', 'add', '--account', 'Other', '--email', 'olga@other.example', '--name', 'Olga', '--site', 'other',
      '--password', 'secret');
    // Rows are stamped with the server's clock; the tests move a few into the past with SQL (WAL: the server
    // keeps running), the only way to have rows on days other than today.
    sql = (q) => execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(dir, 'otklik.db'), q], { encoding: 'utf8' });
    srv = await startServer({ dataDir: dir, demo: false });
    alice = await login(srv.url, 'alice@shop.example', 'secret');
    olga = await login(srv.url, 'olga@other.example', 'secret');
    const me = async (s) => (await (await fetch(`${srv.url}/api/v1/me`, { headers: { Cookie: s.cookie } })).json()).sites[0].id;
    shopId = await me(alice);
    otherId = await me(olga);
  });
  after(async () => { await srv.stop(); rmSync(dir, { recursive: true, force: true }); });

  test('a lead with a comma, quotes, a line break and a leading "=" arrives quoted and neutralised, Cyrillic intact', async () => {
    await contact('shop', origin, { name: '=Иванов, "Вася"', email: 'vasya@example.ru', message: 'строка 1\nстрока 2' });
    await contact('other', 'https://other.example', { name: 'Чужой', email: 'secret@other.example' });
    const res = await fetch(`${srv.url}/api/v1/export/leads.csv?${range}`, { headers: { Cookie: alice.cookie } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(res.headers.get('content-disposition'),
      `attachment; filename="otklik-leads-${day(now - DAY)}-${day(now + DAY)}.csv"`);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xEF, 0xBB, 0xBF], 'UTF-8 byte order mark');
    const text = bytes.toString('utf8');
    assert.ok(text.startsWith(BOM + LEAD_COLUMNS + '\r\n'), text.slice(0, 200));
    assert.ok(text.includes(`,"'=Иванов, ""Вася""",vasya@example.ru,`), 'RFC 4180 quoting with the formula neutralised');
    assert.ok(text.includes('"строка 1\nстрока 2"'));
    assert.ok(!text.includes('secret@other.example'), 'another account\'s lead never appears');
    const [lead] = records(text);
    assert.equal(lead.name, '\'=Иванов, "Вася"');
    assert.equal(lead.site_id, String(shopId));
    assert.equal(lead.site_name, 'Магазин');
    assert.equal(lead.status, 'new');
    assert.equal(lead.source, 'offline_form');
    assert.equal(lead.referrer, 'https://ya.ru/');
    assert.equal(lead.utm_source, 'ya');
    assert.equal(lead.utm_campaign, 'winter');
    assert.equal(lead.utm_medium, '');
    assert.equal(lead.landing_page, `${origin}/boots?utm_source=ya&utm_campaign=winter`);
    assert.equal(lead.visits, '1');
    assert.match(lead.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(lead.message, 'строка 1\nстрока 2');

    // Olga's export has her lead only; Alice's site is not hers to ask for.
    const olgas = records(await csvText(await fetch(`${srv.url}/api/v1/export/leads.csv?${range}`,
      { headers: { Cookie: olga.cookie } })));
    assert.deepEqual(olgas.map((l) => l.email), ['secret@other.example']);
    const foreign = await fetch(`${srv.url}/api/v1/export/leads.csv?${range}&site=${shopId}`, { headers: { Cookie: olga.cookie } });
    assert.equal(foreign.status, 404);
    assert.equal((await foreign.json()).error.code, 'not_found');
    const own = await fetch(`${srv.url}/api/v1/export/leads.csv?${range}&site=${otherId}`, { headers: { Cookie: olga.cookie } });
    assert.equal(own.status, 200);
    assert.equal(records(await csvText(own)).length, 1);
  });

  test('whole UTC days, both ends included, and nothing outside them', async () => {
    for (const [i, email] of ['d1@example.ru', 'd2@example.ru', 'd3@example.ru', 'd4@example.ru'].entries()) {
      await contact('shop', origin, { name: `Day ${i}`, email });
    }
    const at = (iso) => Date.parse(iso);
    sql(`UPDATE leads SET created_at = ${at('2025-03-14T23:59:59.999Z')} WHERE email = 'd1@example.ru';
         UPDATE leads SET created_at = ${at('2025-03-15T00:00:00.000Z')} WHERE email = 'd2@example.ru';
         UPDATE leads SET created_at = ${at('2025-03-16T23:59:59.999Z')} WHERE email = 'd3@example.ru';
         UPDATE leads SET created_at = ${at('2025-03-17T00:00:00.000Z')} WHERE email = 'd4@example.ru';`);
    const res = await fetch(`${srv.url}/api/v1/export/leads.csv?from=2025-03-15&to=2025-03-16`, { headers: { Cookie: alice.cookie } });
    assert.equal(res.status, 200);
    const rows = records(await csvText(res));
    assert.deepEqual(rows.map((r) => r.email), ['d2@example.ru', 'd3@example.ru']);
    assert.deepEqual(rows.map((r) => r.created_at), ['2025-03-15T00:00:00Z', '2025-03-16T23:59:59Z']);
    const empty = await csvText(await fetch(`${srv.url}/api/v1/export/leads.csv?from=2025-01-01&to=2025-01-31`,
      { headers: { Cookie: alice.cookie } }));
    assert.equal(empty, BOM + LEAD_COLUMNS + '\r\n', 'no rows: the header row only');
  });

  test('conversations and callbacks have their own columns and the same scoping', async () => {
    const v = await visitor(srv.url, { site: 'shop', origin });
    v.send({ type: 'send', client_id: 'c1', text: 'Есть доставка в Казань?' });
    const conv = (await v.pick((f) => f.type === 'ack', 5000, 'ack')).conversation;
    v.close();
    const o = await visitor(srv.url, { site: 'other', origin: 'https://other.example' });
    o.send({ type: 'send', client_id: 'c1', text: 'secret' });
    await o.pick((f) => f.type === 'ack', 5000, 'ack');
    o.close();
    const text = await csvText(await fetch(`${srv.url}/api/v1/export/conversations.csv?${range}`,
      { headers: { Cookie: alice.cookie } }));
    assert.ok(text.startsWith(BOM + 'id,site_id,site_name,created_at,closed_at,visitor_id,visitor_name,department,operator,' +
      'messages,first_response_seconds,rating,rating_comment,labels\r\n'));
    const rows = records(text);
    assert.deepEqual(rows.map((r) => Number(r.id)), [conv]);
    assert.equal(rows[0].messages, '1');
    assert.equal(rows[0].closed_at, '');
    assert.equal(rows[0].first_response_seconds, '');

    const visitorId = sql(`SELECT visitor_id FROM conversations WHERE id = ${conv}`).trim();
    sql(`INSERT INTO callbacks(account_id, site_id, visitor_id, client_id, e164, status, allowed, created_at, ended_at,
           talk_ms, billed_seconds, charge)
         SELECT account_id, id, ${visitorId}, 'cb1', '+79161234567', 'connected', 1, ${now}, ${now + 95000}, 94600, 120, 700
         FROM sites WHERE key = 'shop'`);
    const calls = await fetch(`${srv.url}/api/v1/export/callbacks.csv?${range}`, { headers: { Cookie: alice.cookie } });
    assert.equal(calls.headers.get('content-disposition'),
      `attachment; filename="otklik-callbacks-${day(now - DAY)}-${day(now + DAY)}.csv"`);
    const callText = await csvText(calls);
    assert.ok(callText.startsWith(BOM + 'id,site_id,site_name,created_at,number,status,rule,scheduled_for,started_at,ended_at,' +
      'talk_seconds,billed_seconds,charge_kopecks\r\n'));
    const [call] = records(callText);
    assert.equal(call.number, '+79161234567', 'an E.164 number is a number, not a formula: no apostrophe');
    assert.equal(call.status, 'connected');
    assert.equal(call.talk_seconds, '95');
    assert.equal(call.billed_seconds, '120');
    assert.equal(call.charge_kopecks, '700');
    assert.equal(call.scheduled_for, '');
    const olgas = records(await csvText(await fetch(`${srv.url}/api/v1/export/callbacks.csv?${range}`,
      { headers: { Cookie: olga.cookie } })));
    assert.equal(olgas.length, 0);
  });

  test('a bad range is 400, no session is 401, an unknown export is 404', async () => {
    const get = (q, cookie = alice.cookie, file = 'leads.csv') =>
      fetch(`${srv.url}/api/v1/export/${file}?${q}`, { headers: cookie ? { Cookie: cookie } : {} });
    for (const [q, why] of [
      ['to=2026-11-30', /'from'/], ['from=2026-11-01', /'to'/], ['from=2026-11-31&to=2026-12-01', /'from'/],
      ['from=2026-11-01&to=30.11.2026', /'to'/], ['from=2026-11-30&to=2026-11-01', /before/],
      ['from=2025-01-01&to=2026-01-02', /366/], [`${range}&site=abc`, /'site'/],
    ]) {
      const res = await get(q);
      assert.equal(res.status, 400, q);
      const body = await res.json();
      assert.equal(body.error.code, 'bad_request');
      assert.match(body.error.message, why);
    }
    assert.equal((await get('from=2025-01-01&to=2026-01-01')).status, 200, '366 days is the most');
    const anonymous = await get(range, null);
    assert.equal(anonymous.status, 401);
    assert.equal((await anonymous.json()).error.code, 'unauthorized');
    assert.equal((await get(range, null, 'visitors.csv')).status, 404);
    assert.equal((await get(`${range}&site=999999`)).status, 404);
  });

  test('a large export is streamed in chunks with every row exactly once', async () => {
    const N = 1200;
    const emails = Array.from({ length: N }, (_, i) => `bulk${i}@example.ru`);
    const before = Number(sql("SELECT COUNT(*) FROM leads WHERE email LIKE 'bulk%'").trim());
    assert.equal(before, 0);
    // 40 widgets at a time leave their contacts; group commit keeps this to seconds.
    for (let i = 0; i < N; i += 40) {
      await Promise.all(emails.slice(i, i + 40).map((email, j) => contact('shop', origin, { name: `Покупатель ${i + j}`, email })));
    }
    const res = await download(`${srv.url}/api/v1/export/leads.csv?${range}`, alice.cookie);
    assert.equal(res.status, 200);
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.equal(res.headers['content-length'], undefined);
    const rows = records(res.body);
    const bulk = rows.filter((r) => r.email.startsWith('bulk'));
    assert.equal(bulk.length, N);
    assert.equal(new Set(bulk.map((r) => r.email)).size, N, 'no lead twice');
    assert.equal(new Set(rows.map((r) => r.id)).size, rows.length);
    const ids = rows.map((r) => Number(r.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in id order, across pages');
    assert.deepEqual(new Set(bulk.map((r) => r.email)), new Set(emails));

    // A client that goes away mid-download costs nothing lasting: the server carries on.
    const cut = await download(`${srv.url}/api/v1/export/leads.csv?${range}`, alice.cookie, { abortAfterFirstPiece: true });
    assert.equal(cut.status, 200);
    assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
  });

  test('HTTP/1.0 gets the body up to the end of the connection, without chunks', async () => {
    const raw = await new Promise((resolve, reject) => {
      const s = net.connect(srv.port, '127.0.0.1', () => {
        s.write(`GET /api/v1/export/leads.csv?from=2025-03-15&to=2025-03-16 HTTP/1.0\r\nCookie: ${alice.cookie}\r\n\r\n`);
      });
      const parts = [];
      s.on('data', (c) => parts.push(c));
      s.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
      s.on('error', reject);
    });
    const [head, body] = [raw.slice(0, raw.indexOf('\r\n\r\n')), raw.slice(raw.indexOf('\r\n\r\n') + 4)];
    assert.match(head, /^HTTP\/1\.0 200/);
    assert.doesNotMatch(head, /Transfer-Encoding/i);
    assert.deepEqual(records(body).map((r) => r.email), ['d2@example.ru', 'd3@example.ru']);
  });
});
