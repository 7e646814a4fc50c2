// Sites in the console (docs/api.md, "Sites"): who may manage them, CSRF, validation by field, a taken key,
// tenant isolation, a refused PATCH that changes nothing, and changes that apply without a restart — an origin
// added lets a widget socket in, hours closed reach the widget, a site's own first-response timer moves a chat.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, otklikBin } from '../../../web/e2e/fixture.mjs';
import { WsClient, visitor, login, operator } from './client.mjs';

const origin = 'https://shop.example';

function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'otk-sites-'));
  const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
  cli('site', 'add', '--account', 'Shop', '--key', 'shop', '--name', 'Shop', '--origin', origin);
  cli('site', 'add', '--account', 'Other', '--key', 'other', '--name', 'Other', '--origin', 'https://other.example');
  const users = [['owner@shop.example', 'Olga', 'owner', 'Shop', 'shop'], ['admin@shop.example', 'Anna', 'admin', 'Shop', 'shop'],
    ['super@shop.example', 'Sergey', 'supervisor', 'Shop', 'shop'], ['alice@shop.example', 'Alice', 'operator', 'Shop', 'shop'],
    ['boris@shop.example', 'Boris', 'operator', 'Shop', 'shop'], ['admin@other.example', 'Oleg', 'admin', 'Other', 'other']];
  for (const [email, name, role, account, site] of users) {
    cli('user', 'add', '--account', account, '--email', email, '--name', name, '--role', role, '--site', site,
      '--password', 'secret');
  }
  const config = path.join(dir, 'otklik.toml');
  writeFileSync(config, '[desk]\nfirst_response_seconds = 60\n');
  return { dir, extraArgs: ['--config', config] };
}

describe('sites: REST for owners and admins', () => {
  let srv, data, s = {};
  const api = (who, method, p, body, { csrf = true } = {}) => fetch(`${srv.url}/api/v1/sites${p}`, {
    method,
    headers: { Cookie: s[who].cookie, ...(csrf ? { 'X-CSRF-Token': s[who].csrf } : {}),
      ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const list = async (who) => (await (await api(who, 'GET', '')).json()).sites;
  const refused = async (res, status, code, field) => {
    const body = await res.json();
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(body.error.code, code);
    if (field) assert.match(body.error.message, new RegExp(`^${field.replace('.', '\\.')}: `), body.error.message);
    return body.error.message;
  };

  before(async () => {
    data = setup();
    srv = await startServer({ dataDir: data.dir, demo: false, extraArgs: data.extraArgs });
    for (const [k, email] of [['owner', 'owner@shop.example'], ['admin', 'admin@shop.example'], ['super', 'super@shop.example'],
      ['alice', 'alice@shop.example'], ['boris', 'boris@shop.example'], ['other', 'admin@other.example']]) {
      s[k] = await login(srv.url, email, 'secret');
    }
  });
  after(async () => { await srv.stop(); rmSync(data.dir, { recursive: true, force: true }); });

  test('operators and supervisors are refused; an admin reads every field and the embed snippet', async () => {
    await refused(await api('alice', 'GET', ''), 403, 'forbidden');
    await refused(await api('super', 'GET', ''), 403, 'forbidden');
    await refused(await api('super', 'PATCH', '/shop', { name: 'Mine' }), 403, 'forbidden');
    const res = await api('admin', 'GET', '');
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.default_first_response_seconds, 60);
    assert.equal(body.sites.length, 1);
    const shop = body.sites[0];
    assert.equal(shop.key, 'shop');
    assert.deepEqual(shop.allowed_origins, [origin]);
    assert.equal(shop.language, 'ru');
    assert.equal(shop.timezone, 'Europe/Moscow');
    assert.equal(shop.appearance.color, '#2f6fed');
    assert.equal(shop.hours.always_open, true);
    assert.equal(shop.first_response_seconds, null);
    assert.equal(shop.embed, `<script src="${srv.url}/widget.js?site=shop" async></script>`);
  });

  test('writes want the CSRF token', async () => {
    await refused(await api('admin', 'PATCH', '/shop', { name: 'X' }, { csrf: false }), 403, 'csrf');
    await refused(await api('admin', 'POST', '', { key: 'nocsrf', name: 'X', allowed_origins: [origin] }, { csrf: false }),
      403, 'csrf');
  });

  test('every bad value is refused with a message naming its field', async () => {
    const post = (b) => api('admin', 'POST', '', { key: 'fresh', name: 'Fresh', allowed_origins: ['https://fresh.example'], ...b });
    await refused(await post({ key: 'Fresh' }), 400, 'bad_request', 'key');
    await refused(await post({ key: 'x' }), 400, 'bad_request', 'key');
    await refused(await post({ key: 'a'.repeat(41) }), 400, 'bad_request', 'key');
    await refused(await post({ name: '' }), 400, 'bad_request', 'name');
    await refused(await post({ allowed_origins: ['https://fresh.example/shop'] }), 400, 'bad_request', 'allowed_origins');
    await refused(await post({ allowed_origins: ['ftp://fresh.example'] }), 400, 'bad_request', 'allowed_origins');
    await refused(await post({ allowed_origins: [] }), 400, 'bad_request', 'allowed_origins');
    await refused(await post({ language: 'de' }), 400, 'bad_request', 'language');
    await refused(await post({ timezone: 'Mars/Olympus' }), 400, 'bad_request', 'timezone');
    await refused(await post({ first_response_seconds: 4 }), 400, 'bad_request', 'first_response_seconds');
    await refused(await post({ first_response_seconds: 601 }), 400, 'bad_request', 'first_response_seconds');
    await refused(await post({ hours: 'mon 25:00-26:00' }), 400, 'bad_request', 'hours');
    await refused(await post({ hours: { always_open: false, weekly: [[[600, 500]], [], [], [], [], [], []], exceptions: [] } }),
      400, 'bad_request', 'hours');
    await refused(await post({ appearance: { color: 'red' } }), 400, 'bad_request', 'appearance.color');
    await refused(await post({ appearance: { position: 'top' } }), 400, 'bad_request', 'appearance.position');
    await refused(await post({ colour: '#fff' }), 400, 'bad_request', 'colour');
    assert.equal((await list('admin')).length, 1, 'nothing was created');
  });

  test('an admin creates a site: every manager of the account is a member, the key is unique install-wide', async () => {
    const res = await api('admin', 'POST', '', { key: 'fresh', name: 'Fresh', allowed_origins: ['https://Fresh.example/'],
      language: 'en', timezone: 'Asia/Yekaterinburg', first_response_seconds: 20, hours: 'mon-fri 09:00-18:00' });
    const body = await res.json();
    assert.equal(res.status, 201, JSON.stringify(body));
    assert.deepEqual(body.site.allowed_origins, ['https://fresh.example'], 'origins are normalised');
    assert.equal(body.site.first_response_seconds, 20);
    assert.equal(body.site.hours.weekly[0][0][0], 540);
    assert.match(body.site.embed, /widget\.js\?site=fresh/);
    assert.ok((await list('admin')).some((x) => x.key === 'fresh'), 'the maker sees it');
    assert.ok((await list('owner')).some((x) => x.key === 'fresh'), 'the owner sees it');
    const me = await (await fetch(`${srv.url}/api/v1/me`, { headers: { Cookie: s.admin.cookie } })).json();
    assert.ok(me.sites.some((x) => x.key === 'fresh'), 'and works it in the console');
    const alice = await (await fetch(`${srv.url}/api/v1/me`, { headers: { Cookie: s.alice.cookie } })).json();
    assert.ok(!alice.sites.some((x) => x.key === 'fresh'), 'operators join a site only when someone adds them');
    await refused(await api('admin', 'POST', '', { key: 'fresh', name: 'Again', allowed_origins: [origin] }), 409, 'conflict', 'key');
    await refused(await api('other', 'POST', '', { key: 'shop', name: 'Hijack', allowed_origins: [origin] }), 409, 'conflict', 'key');
  });

  test('another account neither sees nor changes the sites', async () => {
    const theirs = await list('other');
    assert.deepEqual(theirs.map((x) => x.key), ['other']);
    await refused(await api('other', 'PATCH', '/shop', { name: 'Hijacked' }), 404, 'not_found');
    await refused(await api('admin', 'PATCH', '/other', { name: 'Hijacked' }), 404, 'not_found');
    assert.equal((await list('admin')).find((x) => x.key === 'shop').name, 'Shop');
  });

  test('a refused PATCH changes nothing', async () => {
    const before = (await list('admin')).find((x) => x.key === 'shop');
    await refused(await api('admin', 'PATCH', '/shop', { name: 'Renamed', language: 'en', first_response_seconds: 3 }),
      400, 'bad_request', 'first_response_seconds');
    await refused(await api('admin', 'PATCH', '/shop', { key: 'renamed' }), 400, 'bad_request', 'key');
    assert.deepEqual((await list('admin')).find((x) => x.key === 'shop'), before);
  });

  test('an origin added lets a widget socket from it in at once', async () => {
    const fromNew = () => new WsClient(`${srv.url.replace('http', 'ws')}/ws/visitor?site=shop`, { origin: 'https://new.example' });
    await assert.rejects(fromNew().opened, (e) => e.status === 403);
    const res = await api('admin', 'PATCH', '/shop', { allowed_origins: [origin, 'https://new.example'] });
    assert.equal(res.status, 200);
    const ws = fromNew();
    await ws.opened;
    ws.close();
  });

  test('hours set closed reach the widget on its next hello', async () => {
    const open = await visitor(srv.url, { site: 'shop', origin });
    assert.equal((await open.type('hours')).open, true);
    await open.close();
    const today = Math.floor(Date.now() / 86400000);
    const closed = { always_open: true, weekly: [[], [], [], [], [], [], []],
      exceptions: [{ day: today - 1, intervals: [] }, { day: today, intervals: [] }, { day: today + 1, intervals: [] }] };
    const res = await api('admin', 'PATCH', '/shop', { hours: { ...closed, always_open: false } });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.site.hours.exceptions.length, 3, 'holidays as the stored format has them');
    const v = await visitor(srv.url, { site: 'shop', origin });
    const hours = await v.type('hours');
    assert.equal(hours.open, false, 'a holiday today: the widget offers the offline form');
    await v.close();
    assert.equal((await api('admin', 'PATCH', '/shop', { hours: '24/7' })).status, 200);
  });

  test("a site's own first-response timer moves an unanswered chat to the next operator", async () => {
    const res = await api('owner', 'PATCH', '/shop', { first_response_seconds: 5 });
    assert.equal((await res.json()).site.first_response_seconds, 5);
    const alice = await operator(srv.url, s.alice);
    const boris = await operator(srv.url, s.boris);
    assert.equal(alice.welcome.sites.find((x) => x.key === 'shop').first_response_ms, 5000, 'the console marks late by it');
    assert.equal(alice.welcome.first_response_ms, 60000, 'the default stays for the other sites');
    const v = await visitor(srv.url, { site: 'shop', origin });
    v.send({ type: 'send', client_id: 'q1', text: 'Есть кто?' });
    const { conversation } = await v.pick((f) => f.type === 'ack', 5000, 'ack');
    const assignment = () => boris.pick((f) => f.type === 'assignment' && f.conversation === conversation, 9000, 'assignment');
    const first = (await assignment()).operator;
    const started = Date.now();
    const second = (await assignment()).operator;
    assert.notEqual(second.id, first.id, 're-offered to the other operator');
    const waited = Date.now() - started;
    assert.ok(waited > 3500 && waited < 8000, `after the site's 5 s, not the default 60 s (${waited} ms)`);
    // A change reaches open consoles at once.
    assert.equal((await api('owner', 'PATCH', '/shop', { first_response_seconds: null })).status, 200);
    const f = await alice.pick((x) => x.type === 'site', 5000, 'site frame');
    assert.equal(f.site.first_response_ms, 60000);
    await v.close(); await alice.close(); await boris.close();
  });
});
