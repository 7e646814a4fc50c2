// The visitor picks a callback slot (docs/protocol.md, `callback_slots` and `callback` with `at`): outside hours the
// server offers 30-minute slots over the next three open days in the site's zone (holidays skipped), a request for
// one is scheduled for it, and a time that was not offered is refused naming `at` with nothing recorded. While open
// there are none, unless the site's callback settings ask for them (`slots: true`, set through the console's REST).
// The SIP engine runs (so requests are accepted) but no call is placed: every request here is scheduled or refused.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { otklikBin } from '../../../web/e2e/fixture.mjs';
import { visitor, login } from './client.mjs';
import { startServerWithSip } from './sipp.mjs';

const origin = 'https://shop.example';
const doc = (over = {}) => ({
  enabled: true,
  region: 'RU',
  plan: { operators: ['sip:anna@127.0.0.1:9'], strategy: 'in_turn', operator_ring_ms: 5000, rounds: 1 },
  trunk: { domain: '127.0.0.1:9', caller_id: '+74951234567', display_name: 'Shop' },
  fraud: { min_time_on_page_ms: 0, allowed_regions: ['RU'] },
  ...over,
});

describe('callback slots', () => {
  let srv, dir, owner;
  const as = (s, method, p, body) => fetch(`${srv.url}${p}`, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf, 'Content-Type': 'application/json' },
  });
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'otk-slots-'));
    const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
    const day = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
    cli('site', 'add', '--account', 'Shop', '--key', 'shop', '--name', 'Shop', '--origin', origin, '--timezone', 'UTC');
    cli('site', 'add', '--account', 'Shop', '--key', 'closed', '--name', 'Closed', '--origin', origin, '--timezone', 'UTC',
      '--hours', 'mon-sun 09:00-18:00', '--holiday', day(0), '--holiday', day(1));
    cli('user', 'add', '--account', 'Shop', '--email', 'olga@shop.example', '--name', 'Olga', '--site', 'shop',
      '--site', 'closed', '--password', 'secret', '--role', 'owner');
    const file = path.join(dir, 'cb.json');
    writeFileSync(file, JSON.stringify(doc()));
    cli('callback', 'set', '--site', 'shop', '--settings', file);
    cli('callback', 'set', '--site', 'closed', '--settings', file);
    srv = await startServerWithSip({ dataDir: dir, demo: false });
    owner = await login(srv.url, 'olga@shop.example', 'secret');
  });
  after(async () => {
    await srv?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('outside hours the visitor picks a slot; the request is scheduled for it; a slot not offered is refused', async () => {
    const v = await visitor(srv.url, { site: 'closed', origin });
    v.send({ type: 'callback_slots' });
    const offer = await v.next((f) => f.type === 'callback_slots', 5000, 'callback_slots');
    assert.equal(offer.open, false);
    assert.equal(offer.zone, 'UTC');
    assert.ok(offer.slots.length > 0 && offer.slots.length <= 12, `${offer.slots.length} slots`);
    const days = new Map();
    for (const ms of offer.slots) {
      const d = new Date(ms);
      assert.ok(ms > Date.now());
      assert.equal(d.getUTCMinutes() % 30, 0);
      assert.ok(d.getUTCHours() >= 9 && d.getUTCHours() * 60 + d.getUTCMinutes() <= 17 * 60 + 30, d.toISOString());
      const key = d.toISOString().slice(0, 10);
      days.set(key, (days.get(key) ?? 0) + 1);
    }
    assert.deepEqual([...days.values()], [4, 4, 4], 'three open days, four slots each');
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
    assert.ok(!days.has(today) && !days.has(tomorrow), 'the holidays offer nothing');
    assert.deepEqual(offer.slots, [...offer.slots].sort((a, b) => a - b));

    v.send({ type: 'callback', client_id: 'slot-bad', phone: '+79161112233', at: offer.slots[0] + 15 * 60000 });
    const bad = await v.next((f) => f.type === 'error' && f.ref === 'slot-bad', 5000, 'refused slot');
    assert.equal(bad.code, 'bad_request');
    assert.match(bad.message, /'at'/);
    v.send({ type: 'callback', client_id: 'slot-1', phone: '+79161112233', at: offer.slots[1] });
    const scheduled = await v.next((f) => f.type === 'callback' && f.client_id === 'slot-1', 5000, 'scheduled');
    assert.equal(scheduled.state, 'scheduled');
    assert.equal(scheduled.scheduled_for, offer.slots[1], 'scheduled for the picked slot');
    v.close();
    const calls = (await (await as(owner, 'GET', '/api/v1/callbacks')).json()).callbacks;
    const rec = calls.find((c) => c.phone === '+79161112233');
    assert.equal(rec.status, 'scheduled');
    assert.equal(rec.scheduled_for, offer.slots[1]);
    assert.equal(calls.filter((c) => c.phone === '+79161112233').length, 1, 'the refused slot recorded nothing');
  });

  test('while open there are no slots unless the settings ask for them', async () => {
    const v = await visitor(srv.url, { site: 'shop', origin });
    v.send({ type: 'callback_slots' });
    const none = await v.next((f) => f.type === 'callback_slots', 5000, 'callback_slots');
    assert.equal(none.open, true);
    assert.deepEqual(none.slots, []);
    v.send({ type: 'callback', client_id: 'open-at', phone: '+79161112244', at: Date.now() + 3600000 });
    assert.equal((await v.next((f) => f.type === 'error' && f.ref === 'open-at', 5000, 'refused')).code, 'bad_request');
    assert.equal((await as(owner, 'PUT', '/api/v1/sites/shop/callback', doc({ slots: true }))).status, 200);
    v.send({ type: 'callback_slots' });
    const some = await v.next((f) => f.type === 'callback_slots', 5000, 'callback_slots');
    assert.equal(some.open, true);
    assert.ok(some.slots.length > 0, 'offered while open too');
    v.close();
    assert.equal((await as(owner, 'PUT', '/api/v1/sites/shop/callback', doc())).status, 200);
  });

});
