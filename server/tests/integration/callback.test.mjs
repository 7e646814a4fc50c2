// Instant callback through the whole server: a visitor asks in the widget's protocol, the real SIP engine rings
// an operator phone and then the visitor's number at the trunk (both SIPp on loopback), the call is recorded
// with its leg timeline, the lead appears, and the anti-fraud rules refuse what they must, politely.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { otklikBin } from '../../../web/e2e/fixture.mjs';
import { visitor, login } from './client.mjs';
import { sipp, startServerWithSip, callbackSettings as settings } from './sipp.mjs';

const origin = 'https://shop.example';

const states = (v, clientId, until) => v.next((f) => f.type === 'callback' && f.client_id === clientId && until(f), 20000, `callback ${clientId}`);

describe('callback', () => {
  let srv, dir, session, op, trunk, cli;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'otk-callback-'));
    cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
    cli('site', 'add', '--account', 'Shop', '--key', 'shop', '--name', 'Shop', '--origin', origin, '--timezone', 'UTC');
    cli('site', 'add', '--account', 'Shop', '--key', 'slow', '--name', 'Slow', '--origin', origin);
    cli('site', 'add', '--account', 'Shop', '--key', 'closed', '--name', 'Closed', '--origin', origin, '--timezone', 'UTC',
      '--hours', 'mon-sun 09:00-18:00',
      '--holiday', new Date().toISOString().slice(0, 10), '--holiday', new Date(Date.now() + 86400000).toISOString().slice(0, 10));
    cli('site', 'add', '--account', 'Shop', '--key', 'off', '--name', 'Off', '--origin', origin);
    cli('user', 'add', '--account', 'Shop', '--email', 'alice@shop.example', '--name', 'Alice', '--site', 'shop',
      '--site', 'closed', '--password', 'secret', '--role', 'supervisor');
    cli('user', 'add', '--account', 'Shop', '--email', 'bob@shop.example', '--name', 'Bob', '--site', 'shop',
      '--password', 'secret');
    cli('user', 'add', '--account', 'Shop', '--email', 'olga@shop.example', '--name', 'Olga', '--site', 'shop',
      '--password', 'secret', '--role', 'owner');
    op = await sipp(dir, 'operator', 'op_answer_hangup.xml');
    trunk = await sipp(dir, 'visitor', 'visitor_answer.xml');
    const file = path.join(dir, 'cb.json');
    writeFileSync(file, settings({ operatorPort: op.port, trunkPort: trunk.port }));
    cli('callback', 'set', '--site', 'shop', '--settings', file);
    cli('callback', 'set', '--site', 'closed', '--settings', file);
    writeFileSync(file, settings({ operatorPort: op.port, trunkPort: trunk.port, minTimeOnPage: 3000 }));
    cli('callback', 'set', '--site', 'slow', '--settings', file);
    srv = await startServerWithSip({ dataDir: dir, demo: false });
    session = await login(srv.url, 'alice@shop.example', 'secret');
  });
  after(async () => {
    op?.proc.kill('SIGKILL'); trunk?.proc.kill('SIGKILL');
    await srv?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the visitor is called back: operator first, then the visitor, bridged; recorded with legs, charge and a lead', async () => {
    const loader = await (await fetch(`${srv.url}/widget.js?site=shop`)).text();
    assert.match(loader, /"callback":true/, 'the widget offers the form');
    assert.match(await (await fetch(`${srv.url}/widget.js?site=off`)).text(), /"callback":false/);

    // The owner's CRM hears about the call (docs/webhooks.md): a real local receiver.
    const events = [];
    const rx = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => { events.push(JSON.parse(body)); res.writeHead(204); res.end(); });
    });
    await new Promise((r) => rx.listen(0, '127.0.0.1', r));
    const owner = await login(srv.url, 'olga@shop.example', 'secret');
    const ownerCall = (method, p, body) => fetch(`${srv.url}${p}`, { method, body: JSON.stringify(body),
      headers: { Cookie: owner.cookie, 'X-CSRF-Token': owner.csrf, 'Content-Type': 'application/json' } });
    const shopId = (await (await ownerCall('GET', '/api/v1/me')).json()).sites.find((s) => s.key === 'shop').id;
    const hook = await ownerCall('POST', '/api/v1/webhooks', { site: shopId, url: `http://127.0.0.1:${rx.address().port}/`,
      events: ['callback.requested', 'callback.finished', 'lead.created'] });
    assert.equal(hook.status, 201);

    const v = await visitor(srv.url, { site: 'shop', origin });
    v.send({ type: 'callback', client_id: 'call1', phone: '8 (916) 123-45-67' });
    const first = await states(v, 'call1', () => true);
    assert.equal(first.state, 'calling_operator');
    await states(v, 'call1', (f) => f.state === 'calling_you');
    const end = await states(v, 'call1', (f) => f.state === 'ended');
    assert.equal(end.status, 'connected');
    assert.equal(await op.done, 0, `operator phone saw what it expected: ${op.errors()}`);
    assert.equal(await trunk.done, 0, `visitor phone saw what it expected: ${trunk.errors()}`);

    const list = await (await fetch(`${srv.url}/api/v1/callbacks`, { headers: { Cookie: session.cookie } })).json();
    const rec = list.callbacks.find((c) => c.id === first.id);
    assert.equal(rec.phone, '+79161234567');
    assert.equal(rec.status, 'connected');
    assert.ok(rec.talk_ms >= 900 && rec.talk_ms < 10000, `talk ${rec.talk_ms} ms`);
    assert.equal(rec.billed_seconds, 30, 'a short talk bills the 30 s minimum');
    assert.equal(rec.charge, 150, '30 s at 3 roubles a minute');
    assert.deepEqual(rec.legs.map((l) => [l.party, l.outcome]), [['operator', 'answered'], ['visitor', 'answered']]);
    assert.equal(rec.legs[0].ended_by, 'operator');
    assert.ok(rec.legs[0].invited <= rec.legs[1].invited, 'the operator is rung first');
    const leads = await (await fetch(`${srv.url}/api/v1/leads`, { headers: { Cookie: session.cookie } })).json();
    assert.equal(leads.leads[0].phone, '+79161234567');
    assert.equal(leads.leads[0].source, 'callback');
    for (let i = 0; i < 100 && events.length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(events.map((e) => e.type), ['callback.requested', 'lead.created', 'callback.finished']);
    assert.equal(events[0].data.callback.id, first.id);
    assert.equal(events[0].data.callback.phone, '+79161234567');
    assert.equal(events[1].data.lead.source, 'callback');
    assert.equal(events[2].data.callback.status, 'connected');
    assert.equal(events[2].data.callback.talk_ms, rec.talk_ms);
    rx.closeAllConnections(); rx.close();

    // The same number again within five minutes: refused kindly, and nothing is dialled.
    v.send({ type: 'callback', client_id: 'call2', phone: '+7 916 123 45 67' });
    const again = await states(v, 'call2', () => true);
    assert.equal(again.state, 'refused');
    assert.equal(again.status, 'rate_limited');
    assert.match(again.message, /звон/i);
    v.close();
  });

  test('refusals: not a number, a honeypot, too fast, a site without callback; each recorded with its rule', async () => {
    const v = await visitor(srv.url, { site: 'shop', origin });
    v.send({ type: 'callback', client_id: 'bad', phone: '+7 000 000-00-00' });
    const bad = await states(v, 'bad', () => true);
    assert.deepEqual([bad.state, bad.status], ['refused', 'rejected_invalid_number']);
    assert.ok(bad.message.length > 10);
    v.send({ type: 'callback', client_id: 'bot', phone: '+7 916 765-43-21', website: 'http://spam.example' });
    const bot = await states(v, 'bot', () => true);
    assert.deepEqual([bot.state, bot.status], ['refused', 'rejected_fraud_rule']);
    v.send({ type: 'callback', client_id: 'nophone' });
    assert.equal((await v.type('error')).code, 'bad_frame');

    const fast = await visitor(srv.url, { site: 'slow', origin });
    fast.send({ type: 'callback', client_id: 'fast', phone: '+7 916 765-43-22' });
    const tooFast = await states(fast, 'fast', () => true);
    assert.deepEqual([tooFast.state, tooFast.status], ['refused', 'rejected_fraud_rule']);

    const off = await visitor(srv.url, { site: 'off', origin });
    off.send({ type: 'callback', client_id: 'off', phone: '+7 916 765-43-23' });
    const err = await off.type('error');
    assert.equal(err.code, 'forbidden');
    assert.equal(err.ref, 'off');

    const list = await (await fetch(`${srv.url}/api/v1/callbacks?site=${(await (await fetch(`${srv.url}/api/v1/me`, { headers: { Cookie: session.cookie } })).json()).sites.find((s) => s.key === 'shop').id}`,
      { headers: { Cookie: session.cookie } })).json();
    const rules = Object.fromEntries(list.callbacks.map((c) => [c.phone || 'none', c.rule]));
    assert.equal(rules.none, 'invalid_number');
    assert.equal(rules['+79167654321'], 'honeypot_filled');
    assert.equal(rules['+79161234567'], '', 'the connected call and the refused repeat share the number; newest first');
    v.close(); fast.close(); off.close();
  });

  test('the form checks the number while the visitor types, with the site\'s rules and without requesting anything', async () => {
    const v = await visitor(srv.url, { site: 'shop', origin });
    const check = async (phone) => {
      v.send({ type: 'check_phone', phone });
      return v.pick((f) => f.type === 'phone_check' && f.phone === phone, 5000, phone);
    };
    const good = await check('8 916 555-12-34');
    assert.deepEqual([good.ok, good.e164, good.display], [true, '+79165551234', '+7 916 555-12-34']);
    const tollFree = await check('8 800 555-35-35');
    assert.equal(tollFree.ok, false);
    assert.ok(tollFree.message.length > 10, 'a polite reason');
    const typo = await check('+7 916 55');
    assert.equal(typo.ok, false);
    const off = await visitor(srv.url, { site: 'off', origin });
    off.send({ type: 'check_phone', phone: '+7 916 555-12-34' });
    assert.equal((await off.pick((f) => f.type === 'error', 5000, 'error')).code, 'forbidden');
    const me = (await (await fetch(`${srv.url}/api/v1/me`, { headers: { Cookie: session.cookie } })).json());
    const list = await (await fetch(`${srv.url}/api/v1/callbacks?site=${me.sites.find((s) => s.key === 'shop').id}`,
      { headers: { Cookie: session.cookie } })).json();
    assert.ok(!list.callbacks.some((c) => c.phone === '+79165551234'), 'a check is no request');
    v.close(); off.close();
  });

  test('outside working hours the call is scheduled for when the team is back', async () => {
    const v = await visitor(srv.url, { site: 'closed', origin });
    v.send({ type: 'callback', client_id: 'later', phone: '+7 916 555-00-11' });
    const f = await states(v, 'later', () => true);
    assert.equal(f.state, 'scheduled');
    assert.ok(f.scheduled_for > Date.now() + 3600_000, 'not before tomorrow is over');
    v.close();
  });

  test('the monthly statement adds up each site\'s calls, billed time and charges', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const res = await fetch(`${srv.url}/api/v1/callbacks/statement?month=${month}`, { headers: { Cookie: session.cookie } });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.month, month);
    const shop = body.sites.find((x) => x.site_name === 'Shop');
    assert.deepEqual([shop.calls, shop.connected_calls, shop.billed_seconds, shop.billed_minutes, shop.amount], [4, 1, 30, 1, 150]);
    assert.equal(body.sites.find((x) => x.site_name === 'Closed').calls, 1);
    assert.equal(body.sites.find((x) => x.site_name === 'Slow'), undefined, 'not a site of hers');
    const empty = await (await fetch(`${srv.url}/api/v1/callbacks/statement?month=2001-01`, { headers: { Cookie: session.cookie } })).json();
    assert.deepEqual(empty.sites, []);
    for (const bad of ['2026-13', '26-11', 'november']) {
      assert.equal((await fetch(`${srv.url}/api/v1/callbacks/statement?month=${bad}`, { headers: { Cookie: session.cookie } })).status, 400, bad);
    }
  });

  test('an operator calls an ended callback again; a supervisor blocks the number and the next request is refused', async () => {
    const api = (s, p, init = {}) => fetch(`${srv.url}${p}`, { ...init, headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf } });
    const first = (await (await api(session, '/api/v1/callbacks')).json()).callbacks.find((c) => c.status === 'connected');
    // New phones for the second call: the settings are read at each request.
    const op2 = await sipp(dir, 'operator2', 'op_answer_hangup.xml');
    const trunk2 = await sipp(dir, 'visitor2', 'visitor_answer.xml');
    const file = path.join(dir, 'cb2.json');
    writeFileSync(file, settings({ operatorPort: op2.port, trunkPort: trunk2.port }));
    cli('callback', 'set', '--site', 'shop', '--settings', file);
    const again = await api(session, `/api/v1/callbacks/${first.id}/retry`, { method: 'POST' });
    assert.equal(again.status, 200);
    const placed = (await again.json()).callback;
    assert.equal(placed.status, 'placing');
    assert.equal(placed.phone, first.phone);
    assert.equal(await op2.done, 0, op2.errors());
    assert.equal(await trunk2.done, 0, trunk2.errors());
    let rec;
    for (let i = 0; i < 50; i++) {
      rec = (await (await api(session, '/api/v1/callbacks')).json()).callbacks.find((c) => c.id === placed.id);
      if (rec.status !== 'placing') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(rec.status, 'connected');
    assert.equal((await api(session, `/api/v1/callbacks/${placed.id}/retry`, { method: 'GET' })).status, 404);
    const nocsrf = await fetch(`${srv.url}/api/v1/callbacks/${first.id}/retry`, { method: 'POST', headers: { Cookie: session.cookie } });
    assert.equal(nocsrf.status, 403);

    const bob = await login(srv.url, 'bob@shop.example', 'secret');
    assert.equal((await api(bob, `/api/v1/callbacks/${first.id}/block`, { method: 'POST' })).status, 403, 'operators do not block');
    assert.equal((await api(session, `/api/v1/callbacks/${first.id}/block`, { method: 'POST' })).status, 204);
    const v = await visitor(srv.url, { site: 'shop', origin });
    v.send({ type: 'callback', client_id: 'blocked', phone: '+7 916 123-45-67' });
    const refused = await states(v, 'blocked', () => true);
    assert.deepEqual([refused.state, refused.status], ['refused', 'rejected_fraud_rule']);
    const list = (await (await api(session, '/api/v1/callbacks')).json()).callbacks;
    assert.equal(list.find((c) => c.id === refused.id).rule, 'blocked_number');
    v.close();
  });
});
