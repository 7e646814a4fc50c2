// The console's callback set-up (docs/api.md, docs/callback.md "Settings" and "Opt-outs"): who may read and change
// a site's document, that the trunk password never comes back from anywhere, that a refused document changes
// nothing, that the next widget check uses what was stored, and the account's opt-out list with its effect and
// its limits. No SIP peer is needed: the server gets its SIP engine (as integration_callback starts it) so that it
// "dials", and no request here is ever allowed to be placed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { otklikBin, startServer } from '../../../web/e2e/fixture.mjs';
import { visitor, login, operator } from './client.mjs';
import { startServerWithSip } from './sipp.mjs';

const origin = 'https://shop.example';
const PASSWORD = 'Tr0nk-Pa55-q7';
const MOBILE_RU = '+79161234567';
const MOBILE_KZ = '+77012345678';

const doc = (over = {}) => ({
  enabled: true,
  region: 'RU',
  plan: { operators: ['sip:anna@127.0.0.1:9'], strategy: 'in_turn', operator_ring_ms: 5000, rounds: 1 },
  trunk: { domain: '127.0.0.1:9', username: 'shop', caller_id: '+74951234567', display_name: 'Shop' },
  fraud: { min_time_on_page_ms: 0, allowed_regions: ['RU'] },
  billing: { per_minute: 250, first_seconds: 30, step_seconds: 6 },
  ...over,
});

describe('callback settings', () => {
  let srv, dir, cli, owner, admin, sup, op, other;
  const as = (s, method, p, body, { csrf = true } = {}) => fetch(`${srv.url}${p}`, {
    method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headers: { Cookie: s.cookie, ...(csrf ? { 'X-CSRF-Token': s.csrf } : {}), 'Content-Type': 'application/json' },
  });
  const getSettings = async (s = owner, key = 'shop') => {
    const res = await as(s, 'GET', `/api/v1/sites/${key}/callback`);
    return { status: res.status, text: await res.text() };
  };
  /** The visitor's instant check of a number on a site: the phone_check frame. */
  const check = async (site, phone) => {
    const v = await visitor(srv.url, { site, origin });
    v.send({ type: 'check_phone', phone });
    const f = await v.next((x) => x.type === 'phone_check' || x.type === 'error', 5000, 'phone_check');
    v.close();
    return f;
  };
  /** A visitor's callback request; resolves to the visitor's callback frame and the stored record's rule. */
  const request = async (site, phone, clientId) => {
    const v = await visitor(srv.url, { site, origin });
    v.send({ type: 'callback', client_id: clientId, phone });
    const f = await v.next((x) => (x.type === 'callback' && x.client_id === clientId) || x.type === 'error', 5000, 'callback');
    v.close();
    return f;
  };
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'otk-cbset-'));
    cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
    cli('site', 'add', '--account', 'Shop', '--key', 'shop', '--name', 'Shop', '--origin', origin, '--timezone', 'UTC');
    cli('site', 'add', '--account', 'Shop', '--key', 'second', '--name', 'Second', '--origin', origin, '--timezone', 'UTC');
    cli('site', 'add', '--account', 'Rival', '--key', 'rival', '--name', 'Rival', '--origin', origin, '--timezone', 'UTC');
    const user = (email, role, ...sites) => cli('user', 'add', '--account', email.endsWith('rival.example') ? 'Rival' : 'Shop',
      '--email', email, '--name', email.split('@')[0], ...sites.flatMap((s) => ['--site', s]), '--password', 'secret', '--role', role);
    user('olga@shop.example', 'owner', 'shop', 'second');
    user('adam@shop.example', 'admin', 'shop');
    user('sveta@shop.example', 'supervisor', 'shop');
    user('oleg@shop.example', 'operator', 'shop');
    user('rita@rival.example', 'owner', 'rival');
    // Set with the CLI first, as before the console existed: the console reads what the CLI wrote.
    const file = path.join(dir, 'cb.json');
    writeFileSync(file, JSON.stringify(doc({ trunk: { ...doc().trunk, password: PASSWORD } })));
    cli('callback', 'set', '--site', 'shop', '--settings', file);
    srv = await startServerWithSip({ dataDir: dir, demo: false });
    owner = await login(srv.url, 'olga@shop.example', 'secret');
    admin = await login(srv.url, 'adam@shop.example', 'secret');
    sup = await login(srv.url, 'sveta@shop.example', 'secret');
    op = await login(srv.url, 'oleg@shop.example', 'secret');
    other = await login(srv.url, 'rita@rival.example', 'secret');
  });
  after(async () => {
    await srv?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('owners and admins read the document; supervisors and operators are refused; another account gets 404', async () => {
    const got = await getSettings(owner);
    assert.equal(got.status, 200, got.text);
    const body = JSON.parse(got.text);
    assert.equal(body.dials, true, 'the server was started with --sip');
    assert.equal(body.settings.enabled, true);
    assert.deepEqual(body.settings.plan.operators, ['sip:anna@127.0.0.1:9']);
    assert.equal(body.settings.plan.visitor_ring_ms, 45000, 'normalised: defaults filled');
    assert.equal(body.settings.trunk.has_password, true);
    assert.ok(!('password' in body.settings.trunk));
    assert.ok(!got.text.includes(PASSWORD));
    assert.equal((await getSettings(admin)).status, 200);
    assert.equal((await getSettings(sup)).status, 403);
    assert.equal((await getSettings(op)).status, 403);
    assert.equal((await getSettings(other)).status, 404, 'another account\'s site does not exist for them');
    assert.equal((await getSettings(owner, 'rival')).status, 404);
    assert.equal((await getSettings(admin, 'second')).status, 404, 'a site of the account the admin is not on');
    // Never set: the defaults, switched off.
    const fresh = JSON.parse((await getSettings(owner, 'second')).text);
    assert.equal(fresh.settings.enabled, false);
    assert.equal(fresh.settings.trunk.has_password, false);
    assert.equal((await as(sup, 'PUT', '/api/v1/sites/shop/callback', doc())).status, 403);
    assert.equal((await as(other, 'PUT', '/api/v1/sites/shop/callback', doc())).status, 404);
  });

  test('a PUT needs the CSRF token; the password is kept when absent, cleared with "", and never answered', async () => {
    const noCsrf = await as(owner, 'PUT', '/api/v1/sites/shop/callback', doc({ enabled: false }), { csrf: false });
    assert.equal(noCsrf.status, 403);
    assert.equal(JSON.parse((await getSettings()).text).settings.enabled, true, 'nothing changed without the token');

    // The console sends back what it read (has_password included) with a new operator and no password.
    const read = JSON.parse((await getSettings()).text).settings;
    read.plan.operators = ['sip:anna@127.0.0.1:9', 'sip:boris@127.0.0.1:9'];
    const put = await as(owner, 'PUT', '/api/v1/sites/shop/callback', read);
    const putText = await put.text();
    assert.equal(put.status, 200, putText);
    assert.ok(!putText.includes(PASSWORD));
    const after1 = JSON.parse((await getSettings()).text).settings;
    assert.deepEqual(after1.plan.operators, ['sip:anna@127.0.0.1:9', 'sip:boris@127.0.0.1:9']);
    assert.equal(after1.trunk.has_password, true, 'absent: the stored password is kept');

    // A new password: stored, never shown, not in the operator's welcome nor in the widget's configuration.
    const NEW = 'n3w-Secret-Trunk';
    const changed = await as(admin, 'PUT', '/api/v1/sites/shop/callback', doc({ trunk: { ...doc().trunk, password: NEW } }));
    const changedText = await changed.text();
    assert.equal(changed.status, 200, changedText);
    assert.ok(!changedText.includes(NEW));
    const again = await getSettings();
    assert.ok(!again.text.includes(NEW) && !again.text.includes(PASSWORD));
    const ws = await operator(srv.url, owner);
    assert.ok(!JSON.stringify(ws.welcome).includes(NEW), 'not in the operator welcome');
    ws.close();
    const loader = await (await fetch(`${srv.url}/widget.js?site=shop`)).text();
    assert.match(loader, /"callback":true/);
    assert.ok(!loader.includes(NEW) && !loader.includes('127.0.0.1:9'), 'neither the password nor the trunk in the widget');

    const cleared = await as(owner, 'PUT', '/api/v1/sites/shop/callback', doc({ trunk: { ...doc().trunk, password: '' } }));
    assert.equal(cleared.status, 200);
    assert.equal(JSON.parse((await getSettings()).text).settings.trunk.has_password, false, '"" clears it');
    // Put it back for the tests below.
    assert.equal((await as(owner, 'PUT', '/api/v1/sites/shop/callback', doc({ trunk: { ...doc().trunk, password: PASSWORD } }))).status, 200);
  });

  test('a refused document names the field and changes nothing', async () => {
    const before = (await getSettings()).text;
    const cases = [
      [doc({ trunk: { ...doc().trunk, domain: '' } }), /^trunk\.domain: /],
      [doc({ plan: { ...doc().plan, rounds: '2' } }), /^plan\.rounds: /],
      [doc({ plan: { ...doc().plan, rounds: 11 } }), /^plan: .*rounds/],
      [doc({ plan: { ...doc().plan, operators: ['http://nope'] } }), /^plan\.operator_uris\[0\]: /],
      [doc({ fraud: { allowed_regions: ['RUS'] } }), /^fraud: .*allowed_regions/],
      [doc({ billing: { per_minute: -1 } }), /^billing: .*per_minute/],
      [doc({ trunk: { ...doc().trunk, caller_id: '84951234567' } }), /^trunk\.caller_id: /],
      [doc({ colour: 'red' }), /unknown key 'colour'/],
    ];
    for (const [body, message] of cases) {
      const res = await as(owner, 'PUT', '/api/v1/sites/shop/callback', body);
      const err = (await res.json()).error;
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(err.code, 'bad_request');
      assert.match(err.message, message);
    }
    const notJson = await as(owner, 'PUT', '/api/v1/sites/shop/callback', '{"enabled":');
    assert.equal(notJson.status, 400);
    assert.equal((await getSettings()).text, before, 'nothing was half-written');
    assert.equal(JSON.parse(before).settings.trunk.has_password, true);
  });

  test('the next widget check and request use the stored document at once', async () => {
    const refused = await check('shop', MOBILE_KZ);
    assert.equal(refused.ok, false, 'a Kazakh number is not called while only RU is allowed');
    assert.match(refused.message, /стран/);
    assert.equal((await check('shop', MOBILE_RU)).ok, true);
    const res = await as(owner, 'PUT', '/api/v1/sites/shop/callback', doc({ fraud: { min_time_on_page_ms: 0, allowed_regions: ['RU', 'KZ'] } }));
    assert.equal(res.status, 200);
    const allowed = await check('shop', MOBILE_KZ);
    assert.equal(allowed.ok, true, 'no restart, no cache');
    assert.equal(allowed.e164, MOBILE_KZ);
    // Switched off: the widget has no callback and a request is refused.
    assert.equal((await as(owner, 'PUT', '/api/v1/sites/shop/callback', doc({ enabled: false }))).status, 200);
    assert.match(await (await fetch(`${srv.url}/widget.js?site=shop`)).text(), /"callback":false/);
    const off = await check('shop', MOBILE_RU);
    assert.equal(off.type, 'error');
    assert.equal(off.code, 'forbidden');
    assert.equal((await as(owner, 'PUT', '/api/v1/sites/shop/callback', doc())).status, 200);
  });

  test('opt-outs: supervisors add, only owners and admins remove; the number is refused with opted_out', async () => {
    assert.equal((await as(op, 'GET', '/api/v1/callbacks/optout')).status, 403);
    assert.equal((await as(op, 'POST', '/api/v1/callbacks/optout', { number: MOBILE_RU })).status, 403);
    const bad = await as(sup, 'POST', '/api/v1/callbacks/optout', { number: '12' });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /^number: /);
    assert.equal((await as(sup, 'POST', '/api/v1/callbacks/optout', { number: MOBILE_RU, region: 'RUS' })).status, 400);
    const noCsrf = await as(sup, 'POST', '/api/v1/callbacks/optout', { number: MOBILE_RU }, { csrf: false });
    assert.equal(noCsrf.status, 403);

    // Typed as people write it, read with the site's region.
    const added = await as(sup, 'POST', '/api/v1/callbacks/optout', { number: '8 (916) 123-45-67', region: 'ru' });
    assert.equal(added.status, 201);
    const entry = (await added.json()).optout;
    assert.equal(entry.number, MOBILE_RU);
    assert.equal(entry.added_by.name, 'sveta');
    assert.equal((await as(owner, 'POST', '/api/v1/callbacks/optout', { number: MOBILE_RU })).status, 200, 'already there');
    const list = (await (await as(admin, 'GET', '/api/v1/callbacks/optout')).json()).optouts;
    assert.deepEqual(list.map((o) => o.number), [MOBILE_RU]);

    const refused = await request('shop', MOBILE_RU, 'oo-1');
    assert.equal(refused.state, 'refused');
    assert.equal(refused.status, 'rejected_fraud_rule');
    const calls = (await (await as(owner, 'GET', '/api/v1/callbacks')).json()).callbacks;
    assert.equal(calls.find((c) => c.phone === MOBILE_RU)?.rule, 'opted_out');

    assert.equal((await as(sup, 'DELETE', `/api/v1/callbacks/optout/${encodeURIComponent(MOBILE_RU)}`)).status, 403);
  });

  test('another account neither sees nor removes the opt-outs, and is not bound by them', async () => {
    const theirs = await as(other, 'GET', '/api/v1/callbacks/optout');
    assert.equal(theirs.status, 200);
    assert.deepEqual((await theirs.json()).optouts, []);
    assert.equal((await as(other, 'DELETE', `/api/v1/callbacks/optout/${encodeURIComponent(MOBILE_RU)}`)).status, 404);
    assert.equal((await as(other, 'DELETE', `/api/v1/callbacks/optout/${MOBILE_RU}`)).status, 404, 'a literal + too');
    assert.deepEqual((await (await as(owner, 'GET', '/api/v1/callbacks/optout')).json()).optouts.map((o) => o.number), [MOBILE_RU]);

    // The rival blocks the same number itself: its refusal is its own blocklist (rule 11), not our opt-out (rule 9).
    const rivalDoc = doc({ fraud: { min_time_on_page_ms: 0, allowed_regions: ['RU'], blocked_numbers: [MOBILE_RU] } });
    assert.equal((await as(other, 'PUT', '/api/v1/sites/rival/callback', rivalDoc)).status, 200);
    const refused = await request('rival', MOBILE_RU, 'rival-1');
    assert.equal(refused.state, 'refused');
    const calls = (await (await as(other, 'GET', '/api/v1/callbacks')).json()).callbacks;
    assert.equal(calls.length, 1, 'the rival sees its own request only');
    assert.equal(calls[0].rule, 'blocked_number');

    // The owner removes it; the number may be called again (the next check is the per-number limits' business).
    assert.equal((await as(owner, 'DELETE', `/api/v1/callbacks/optout/${encodeURIComponent(MOBILE_RU)}`)).status, 204);
    assert.deepEqual((await (await as(owner, 'GET', '/api/v1/callbacks/optout')).json()).optouts, []);
    assert.equal((await as(owner, 'DELETE', `/api/v1/callbacks/optout/${encodeURIComponent(MOBILE_RU)}`)).status, 404);
  });

  test('a server without --sip says it does not dial', async () => {
    const quiet = await startServer({ demo: true });
    try {
      const s = await login(quiet.url);
      const res = await fetch(`${quiet.url}/api/v1/sites/demo-shop/callback`, { headers: { Cookie: s.cookie } });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).dials, false);
    } finally {
      await quiet.stop();
    }
  });
});
