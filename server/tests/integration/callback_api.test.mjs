// A callback asked for over REST (docs/api.md, "Requesting a callback"): a site's backend holds an API token and
// posts the number its own form took. The real SIP engine rings a SIPp operator and the SIPp trunk; the rules the
// widget's requests pass apply here too, except the page's own (time on the page, honeypot): there is no page.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { otklikBin } from '../../../web/e2e/fixture.mjs';
import { login } from './client.mjs';
import { sipp, startServerWithSip, callbackSettings as settings } from './sipp.mjs';

const origin = 'https://shop.example';
const today = () => new Date().toISOString().slice(0, 10);
const tomorrow = () => new Date(Date.now() + 86400000).toISOString().slice(0, 10);

describe('callback requested over REST', () => {
  let srv, dir, cli, owner, ids, crm, readOnly, otherCrm, op, trunk;
  const post = (secret, body, extra = {}) => fetch(`${srv.url}/api/v1/callbacks`, {
    method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json', ...extra } });
  const get = (secret, p) => fetch(`${srv.url}${p}`, { headers: { Authorization: `Bearer ${secret}` } });

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'otk-callback-api-'));
    cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
    cli('site', 'add', '--account', 'Shop', '--key', 'shop', '--name', 'Shop', '--origin', origin, '--timezone', 'UTC');
    // Closed today and tomorrow: requests are scheduled, nothing is dialled; a 10 s minimum time on the page.
    cli('site', 'add', '--account', 'Shop', '--key', 'closed', '--name', 'Closed', '--origin', origin, '--timezone', 'UTC',
      '--hours', 'mon-sun 09:00-18:00', '--holiday', today(), '--holiday', tomorrow());
    cli('site', 'add', '--account', 'Shop', '--key', 'off', '--name', 'Off', '--origin', origin);
    cli('site', 'add', '--account', 'Other', '--key', 'other', '--name', 'Other', '--origin', 'https://other.example');
    cli('user', 'add', '--account', 'Shop', '--email', 'olga@shop.example', '--name', 'Olga', '--site', 'shop',
      '--site', 'closed', '--site', 'off', '--password', 'secret', '--role', 'owner');
    cli('user', 'add', '--account', 'Other', '--email', 'ivan@other.example', '--name', 'Ivan', '--site', 'other',
      '--password', 'secret', '--role', 'owner');
    op = await sipp(dir, 'operator', 'op_answer_hangup.xml');
    trunk = await sipp(dir, 'visitor', 'visitor_answer.xml');
    const file = path.join(dir, 'cb.json');
    writeFileSync(file, settings({ operatorPort: op.port, trunkPort: trunk.port, minTimeOnPage: 10000 }));
    cli('callback', 'set', '--site', 'shop', '--settings', file);
    cli('callback', 'set', '--site', 'closed', '--settings', file);
    srv = await startServerWithSip({ dataDir: dir, demo: false });

    owner = await login(srv.url, 'olga@shop.example', 'secret');
    const call = (s, method, p, body) => fetch(`${srv.url}${p}`, { method, body: body && JSON.stringify(body),
      headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf, 'Content-Type': 'application/json' } });
    const me = await (await call(owner, 'GET', '/api/v1/me')).json();
    ids = Object.fromEntries(me.sites.map((s) => [s.key, s.id]));
    const token = async (s, body) => (await (await call(s, 'POST', '/api/v1/tokens', body)).json()).secret;
    crm = await token(owner, { name: 'Сайт: форма звонка', write: true, sites: [ids.shop, ids.closed, ids.off] });
    readOnly = await token(owner, { name: 'Отчёты' });
    const ivan = await login(srv.url, 'ivan@other.example', 'secret');
    otherCrm = await token(ivan, { name: 'Other CRM', write: true });
    ids.other = (await (await call(ivan, 'GET', '/api/v1/me')).json()).sites[0].id;
  });
  after(async () => {
    op?.proc.kill('SIGKILL'); trunk?.proc.kill('SIGKILL');
    await srv?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the site\'s backend asks; the operator is rung, then the number; the lead carries the name; a resend calls no one', async () => {
    const res = await post(crm, { site: ids.shop, phone: '8 (916) 123-45-67', client_id: 'order-1001', name: ' Анна ',
      ip: '203.0.113.7' });
    assert.equal(res.status, 201);
    const body = await res.json();
    assert.equal(body.state, 'calling_operator', 'no page behind the request: the 10 s page-time rule does not apply');
    assert.equal(body.callback.status, 'placing');
    assert.equal(body.callback.phone, '+79161234567');
    assert.equal(body.message, undefined);

    assert.equal(await op.done, 0, `operator phone saw what it expected: ${op.errors()}`);
    assert.equal(await trunk.done, 0, `visitor phone saw what it expected: ${trunk.errors()}`);
    let rec;
    for (let i = 0; i < 50; i++) {
      rec = (await (await get(crm, `/api/v1/callbacks/${body.callback.id}`)).json()).callback;
      if (rec.status !== 'placing') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(rec.status, 'connected');
    assert.deepEqual(rec.legs.map((l) => [l.party, l.outcome]), [['operator', 'answered'], ['visitor', 'answered']]);

    const leads = (await (await get(crm, '/api/v1/leads')).json()).leads;
    assert.equal(leads.length, 1);
    assert.deepEqual([leads[0].name, leads[0].phone, leads[0].source], ['Анна', '+79161234567', 'callback']);

    // The backend timed out and sends again: the first request's record, 200, and no second call.
    const again = await post(crm, { site: ids.shop, phone: '8 (916) 123-45-67', client_id: 'order-1001', name: 'Анна' });
    assert.equal(again.status, 200);
    const repeat = await again.json();
    assert.equal(repeat.callback.id, body.callback.id);
    assert.deepEqual([repeat.state, repeat.callback.status], ['ended', 'connected']);
    const all = (await (await get(crm, `/api/v1/callbacks?site=${ids.shop}`)).json()).callbacks;
    assert.equal(all.length, 1);
    assert.equal((await (await get(crm, '/api/v1/leads')).json()).leads.length, 1);

    // A new request for the same number within five minutes: recorded, refused, with words for the person.
    const soon = await post(crm, { site: ids.shop, phone: '+79161234567', client_id: 'order-1002' });
    assert.equal(soon.status, 201);
    const refused = await soon.json();
    assert.deepEqual([refused.state, refused.callback.status], ['refused', 'rate_limited']);
    assert.match(refused.message, /звон/i);

    // What operations watch (docs/operations.md, "Metrics"): one call placed and connected, one refusal by its rule.
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    const value = (name) => Number(metrics.match(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm'))?.[1]);
    assert.equal(value('otk_callback_requests_total{outcome="placed"}'), 1);
    assert.equal(value('otk_callback_requests_total{outcome="refused"}'), 1);
    assert.equal(value('otk_callback_refusals_total{rule="number_per_5_minutes"}'), 1);
    assert.equal(value('otk_callback_calls_total{status="connected"}'), 1);
    assert.equal(value('otk_callback_live_calls'), 0);
    assert.ok(value('otk_callback_talk_seconds_total') >= 0.9, 'the talk time is counted');
  });

  test('every other rule applies: per-address limits with the address the backend saw, opt-outs; outside hours it is scheduled', async () => {
    const ask = (n, extra = {}) => post(crm, { site: ids.closed, phone: `+7 916 700-00-0${n}`, client_id: `c${n}`, ...extra });
    for (const n of [1, 2, 3]) {
      const r = await (await ask(n, { ip: '198.51.100.4' })).json();
      assert.equal(r.state, 'scheduled', `request ${n}`);
      assert.ok(r.callback.scheduled_for > Date.now() + 3600_000);
    }
    const fourth = await (await ask(4, { ip: '198.51.100.4' })).json();
    assert.deepEqual([fourth.state, fourth.callback.status, fourth.callback.rule], ['refused', 'rate_limited', 'ip_numbers_per_hour']);
    assert.equal((await (await ask(5, { ip: '::ffff:198.51.100.4' })).json()).callback.rule, 'ip_numbers_per_hour',
      'an IPv4-mapped IPv6 address is the same address');
    assert.equal((await (await ask(6)).json()).state, 'scheduled', 'without an address the per-address limits do not apply');

    const optout = await fetch(`${srv.url}/api/v1/callbacks/optout`, { method: 'POST', body: JSON.stringify({ number: '+79167000007' }),
      headers: { Cookie: owner.cookie, 'X-CSRF-Token': owner.csrf, 'Content-Type': 'application/json' } });
    assert.equal(optout.status, 201);
    const opted = await (await ask(7)).json();
    assert.deepEqual([opted.state, opted.callback.rule], ['refused', 'opted_out']);

    const invalid = await (await post(crm, { site: ids.closed, phone: '+7 000 000-00-00', client_id: 'bad' })).json();
    assert.deepEqual([invalid.state, invalid.callback.status], ['refused', 'rejected_invalid_number']);
    assert.ok(invalid.message.length > 10);

    // A picked time must be one of the offered slots.
    const slot = await post(crm, { site: ids.closed, phone: '+7 916 700-00-08', client_id: 'slot', at: Date.now() + 60_000 });
    assert.equal(slot.status, 400);
    assert.match((await slot.json()).error.message, /'at'/);
  });

  test('bad requests get a precise 400 and record nothing; wrong tokens, sites and tenants are refused', async () => {
    const before = (await (await get(crm, '/api/v1/callbacks')).json()).callbacks.length;
    const cases = [
      [{ phone: '+79161112233', client_id: 'x' }, /'site'/],
      [{ site: ids.shop, client_id: 'x' }, /'phone'/],
      [{ site: ids.shop, phone: '', client_id: 'x' }, /'phone'/],
      [{ site: ids.shop, phone: '+79161112233' }, /'client_id'/],
      [{ site: ids.shop, phone: '+79161112233', client_id: '' }, /'client_id'/],
      [{ site: ids.shop, phone: '+79161112233', client_id: 'x'.repeat(65) }, /'client_id'/],
      [{ site: ids.shop, phone: '+79161112233', client_id: 'x', ip: '999.1.1.1' }, /'ip'/],
      [{ site: ids.shop, phone: '+79161112233', client_id: 'x', name: 'a'.repeat(101) }, /'name'/],
      [{ site: ids.shop, phone: '+79161112233', client_id: 'x', at: 'tomorrow' }, /'at'/],
      [{ site: ids.shop, phone: '+79161112233', client_id: 'x', website: 'spam' }, /unknown field 'website'/],
      [{ site: String(ids.shop), phone: '+79161112233', client_id: 'x' }, /'site'/],
    ];
    for (const [body, message] of cases) {
      const res = await post(crm, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const { error } = await res.json();
      assert.equal(error.code, 'bad_request');
      assert.match(error.message, message);
    }
    assert.equal((await post(crm, '{"site":')).status, 400);
    assert.equal((await post(crm, { site: ids.shop, phone: '+79161112233', client_id: 'x' }, { 'Content-Type': 'text/plain' })).status, 400);

    assert.equal((await post(crm, { site: ids.off, phone: '+79161112233', client_id: 'off' })).status, 403, 'callback is off there');
    assert.equal((await post(readOnly, { site: ids.shop, phone: '+79161112233', client_id: 'ro' })).status, 403, 'a read-only token');
    assert.equal((await post(otherCrm, { site: ids.shop, phone: '+79161112233', client_id: 'foreign' })).status, 404, 'another account');
    assert.equal((await post(crm, { site: ids.other, phone: '+79161112233', client_id: 'foreign' })).status, 404);
    assert.equal((await post('otk_not-a-real-token-at-all-000000', { site: ids.shop, phone: '+79161112233', client_id: 'x' })).status, 401);
    const nocsrf = await fetch(`${srv.url}/api/v1/callbacks`, { method: 'POST',
      body: JSON.stringify({ site: ids.shop, phone: '+79161112233', client_id: 'x' }),
      headers: { Cookie: owner.cookie, 'Content-Type': 'application/json' } });
    assert.equal(nocsrf.status, 403, 'a console session needs its CSRF token');

    assert.equal((await (await get(crm, '/api/v1/callbacks')).json()).callbacks.length, before, 'nothing was recorded');
    const mine = (await (await get(crm, '/api/v1/callbacks')).json()).callbacks[0].id;
    assert.equal((await get(otherCrm, `/api/v1/callbacks/${mine}`)).status, 404, 'another tenant cannot read it');
    assert.equal((await get(crm, '/api/v1/callbacks/0')).status, 404);
    assert.equal((await get(crm, '/api/v1/callbacks/abc')).status, 404);
  });
});
