// Leads over real sockets and REST: the offline form, contacts typed into a chat, merging, the console's list,
// status and notes, validation that names the field, and isolation between accounts.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, otklikBin } from '../../../web/e2e/fixture.mjs';
import { visitor, login, operator } from './client.mjs';

const origin = 'https://shop.example';

/** Two accounts: a shop with Alice, and another agency's site with Olga. */
function twoAccounts() {
  const dir = mkdtempSync(path.join(tmpdir(), 'otk-leads-'));
  const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
  cli('site', 'add', '--account', 'Shop', '--key', 'shop', '--name', 'Shop', '--origin', origin);
  cli('user', 'add', '--account', 'Shop', '--email', 'alice@shop.example', '--name', 'Alice', '--site', 'shop',
    '--password', 'secret');
  cli('site', 'add', '--account', 'Other', '--key', 'other', '--name', 'Other', '--origin', 'https://other.example');
  cli('user', 'add', '--account', 'Other', '--email', 'olga@other.example', '--name', 'Olga', '--site', 'other',
    '--password', 'secret');
  return dir;
}

const api = (base, session, p, init = {}) => fetch(`${base}${p}`, {
  ...init, headers: { Cookie: session.cookie, ...(init.body ? { 'Content-Type': 'application/json' } : {}), ...init.headers },
});
const json = async (res) => ({ status: res.status, body: await res.json() });

describe('leads', () => {
  let srv, dir, alice, aliceWs, olga;
  before(async () => {
    dir = twoAccounts();
    srv = await startServer({ dataDir: dir, demo: false });
    alice = await login(srv.url, 'alice@shop.example', 'secret');
    aliceWs = await operator(srv.url, alice);
    olga = await login(srv.url, 'olga@other.example', 'secret');
  });
  after(async () => { aliceWs.close(); await srv.stop(); rmSync(dir, { recursive: true, force: true }); });

  test('the offline form makes a lead the console sees live and lists with its source; a resend stores nothing twice', async () => {
    const v = await visitor(srv.url, { site: 'shop', origin,
      page: { url: 'https://shop.example/boots?utm_source=ya&utm_campaign=winter', title: 'Boots', referrer: 'https://ya.ru/' } });
    const form = { type: 'contact', client_id: 'form1', name: ' Анна ', email: 'Anna@Mail.RU', message: 'Есть 38-й размер?' };
    v.send(form);
    assert.deepEqual(await v.type('contact_saved'), { type: 'contact_saved', client_id: 'form1' });
    const live = await aliceWs.pick((f) => f.type === 'lead', 5000, 'lead frame');
    assert.equal(live.lead.name, 'Анна');
    assert.equal(live.lead.email, 'Anna@mail.ru');
    assert.equal(live.lead.source, 'offline_form');
    assert.equal(live.lead.status, 'new');
    assert.deepEqual(live.lead.utm, { source: 'ya', campaign: 'winter' });
    assert.equal(live.lead.referrer, 'https://ya.ru/');

    v.send(form);  // the ack was lost, the widget resends
    await v.type('contact_saved');
    const { body } = await json(await api(srv.url, alice, '/api/v1/leads'));
    assert.equal(body.leads.length, 1);
    assert.equal(body.next_before, null);
    const detail = await json(await api(srv.url, alice, `/api/v1/leads/${live.lead.id}`));
    assert.equal(detail.status, 200);
    assert.equal(detail.body.entries.length, 1, 'the resend added nothing');
    assert.equal(detail.body.entries[0].contact.message, 'Есть 38-й размер?');
    assert.equal(detail.body.pages[0].title, 'Boots');
    v.close();
  });

  test('a bad form gets an error naming the field and stores nothing', async () => {
    const v = await visitor(srv.url, { site: 'shop', origin });
    const cases = [
      [{ name: 'Пётр', message: 'перезвоните' }, /'email' or a 'phone'/],
      [{ email: 'petr@' }, /'email'/],
      [{ phone: '12-34' }, /'phone'/],
      [{ phone: '+7 000 000-00-00' }, /'phone': phone number/],  // the shape of a number, but no such range
      [{ email: 'p@p.ru', name: 'x'.repeat(101) }, /'name'/],
      [{ email: 'p@p.ru', name: 42 }, /'name' must be a string/],
    ];
    for (const [i, [fields, why]] of cases.entries()) {
      v.send({ type: 'contact', client_id: `bad${i}`, ...fields });
      const err = await v.type('error');
      assert.equal(err.ref, `bad${i}`);
      assert.match(err.message, why);
    }
    v.send({ type: 'contact', name: 'no id', email: 'p@p.ru' });
    assert.equal((await v.type('error')).code, 'bad_frame');
    const { body } = await json(await api(srv.url, alice, '/api/v1/leads'));
    assert.equal(body.leads.length, 1, 'still only the first test\'s lead');
    v.close();
  });

  test('contacts typed into the chat make a lead in the same step as the message; the same person is merged', async () => {
    const v = await visitor(srv.url, { site: 'shop', origin });
    v.send({ type: 'send', client_id: 'm1', text: 'Напишите мне на petr@example.ru или позвоните +7 916 123-45-67' });
    await v.pick((f) => f.type === 'ack', 5000, 'ack');
    const lead = (await aliceWs.pick((f) => f.type === 'lead' && f.lead.source === 'chat', 5000, 'chat lead')).lead;
    assert.equal(lead.email, 'petr@example.ru');
    assert.equal(lead.phone, '+79161234567');
    // Later, on another device, the offline form with the same address: the same lead, not a second one.
    const other = await visitor(srv.url, { site: 'shop', origin });
    other.send({ type: 'contact', client_id: 'f', name: 'Пётр', email: 'petr@example.ru' });
    await other.type('contact_saved');
    const merged = (await aliceWs.pick((f) => f.type === 'lead' && f.lead.id === lead.id, 5000, 'merged lead')).lead;
    assert.equal(merged.name, 'Пётр');
    const { body } = await json(await api(srv.url, alice, '/api/v1/leads'));
    assert.equal(body.leads.length, 2);
    assert.equal(body.leads[0].id, lead.id, 'newest first');
    v.close();
    other.close();
  });

  test('phones are stored in E.164 as the site\'s visitors dial them; a phone-like order number is no contact', async () => {
    const v = await visitor(srv.url, { site: 'shop', origin });
    v.send({ type: 'send', client_id: 'order', text: 'Где мой заказ 1234567890?' });
    await v.pick((f) => f.type === 'ack', 5000, 'ack');
    v.send({ type: 'contact', client_id: 'f8', name: 'Вера', phone: '8 (916) 555-12-34' });
    await v.type('contact_saved');
    const lead = (await aliceWs.pick((f) => f.type === 'lead' && f.lead.name === 'Вера', 5000, 'lead')).lead;
    assert.equal(lead.phone, '+79165551234');
    assert.equal(lead.source, 'offline_form', 'the order number made no lead before the form');
    v.close();
  });

  test('status and notes need the CSRF token, are recorded, and reach the console', async () => {
    const { body } = await json(await api(srv.url, alice, '/api/v1/leads?status=new'));
    const id = body.leads[0].id;
    const noCsrf = await json(await api(srv.url, alice, `/api/v1/leads/${id}`, { method: 'PATCH', body: '{"status":"won"}' }));
    assert.equal(noCsrf.status, 403);
    assert.equal(noCsrf.body.error.code, 'csrf');
    const bad = await json(await api(srv.url, alice, `/api/v1/leads/${id}`,
      { method: 'PATCH', body: '{"status":"done"}', headers: { 'X-CSRF-Token': alice.csrf } }));
    assert.equal(bad.status, 400);
    const ok = await json(await api(srv.url, alice, `/api/v1/leads/${id}`,
      { method: 'PATCH', body: '{"status":"in_work"}', headers: { 'X-CSRF-Token': alice.csrf } }));
    assert.equal(ok.status, 200);
    assert.equal(ok.body.lead.status, 'in_work');
    await aliceWs.pick((f) => f.type === 'lead' && f.lead.id === id && f.lead.status === 'in_work', 5000, 'status frame');
    const note = { client_id: 'n1', text: 'Перезвонить в пятницу после 15:00' };
    const first = await api(srv.url, alice, `/api/v1/leads/${id}/notes`,
      { method: 'POST', body: JSON.stringify(note), headers: { 'X-CSRF-Token': alice.csrf } });
    assert.equal(first.status, 201);
    const again = await api(srv.url, alice, `/api/v1/leads/${id}/notes`,
      { method: 'POST', body: JSON.stringify(note), headers: { 'X-CSRF-Token': alice.csrf } });
    assert.equal(again.status, 200, 'a resend is the same note');
    const detail = (await json(await api(srv.url, alice, `/api/v1/leads/${id}`))).body;
    assert.deepEqual(detail.entries.map((e) => e.kind).slice(-2), ['status', 'note']);
    assert.equal(detail.entries.at(-1).author.name, 'Alice');
    assert.equal((await json(await api(srv.url, alice, '/api/v1/leads?status=in_work'))).body.leads.length, 1);
    assert.equal((await api(srv.url, alice, '/api/v1/leads?status=maybe')).status, 400);
    assert.equal((await api(srv.url, alice, '/api/v1/leads?limit=0')).status, 400);
  });

  test('the list filters by source and by days, and refuses a bad filter by name', async () => {
    const all = (await json(await api(srv.url, alice, '/api/v1/leads?limit=200'))).body.leads;
    assert.ok(all.some((l) => l.source === 'offline_form') && all.some((l) => l.source === 'chat'), 'both sources seeded');
    for (const source of ['offline_form', 'chat']) {
      const got = (await json(await api(srv.url, alice, `/api/v1/leads?limit=200&source=${source}`))).body.leads;
      assert.deepEqual(got.map((l) => l.id), all.filter((l) => l.source === source).map((l) => l.id));
    }
    // One lead moved ten days back (WAL: the server keeps running): days select it, or leave it out.
    const old = all[all.length - 1];
    const DAY = 24 * 3600 * 1000;
    const day = (ms) => new Date(ms).toISOString().slice(0, 10);
    execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(dir, 'otklik.db'),
      `UPDATE leads SET created_at = created_at - ${10 * DAY} WHERE id = ${old.id}`]);
    const when = old.created_at - 10 * DAY;
    const ids = async (q) => (await json(await api(srv.url, alice, `/api/v1/leads?limit=200&${q}`))).body.leads.map((l) => l.id);
    assert.deepEqual(await ids(`from=${day(when)}&to=${day(when)}`), [old.id]);
    assert.ok(!(await ids(`from=${day(when + DAY)}`)).includes(old.id));
    assert.deepEqual((await ids(`to=${day(when)}`)), [old.id]);
    for (const [q, name] of [['source=phone', 'source'], ['from=2026-02-30', 'from'], ['to=yesterday', 'to'],
      ['from=2026-11-02&to=2026-11-01', 'to']]) {
      const res = await json(await api(srv.url, alice, `/api/v1/leads?${q}`));
      assert.equal(res.status, 400, q);
      assert.match(res.body.error.message, new RegExp(`'${name}'`), q);
    }
  });

  test('another account sees none of it, by list, by id, or by writing', async () => {
    const own = (await json(await api(srv.url, alice, '/api/v1/leads'))).body.leads;
    const theirs = await json(await api(srv.url, olga, '/api/v1/leads'));
    assert.equal(theirs.status, 200);
    assert.deepEqual(theirs.body.leads, []);
    for (const l of own) {
      assert.equal((await api(srv.url, olga, `/api/v1/leads/${l.id}`)).status, 404);
      const patch = await api(srv.url, olga, `/api/v1/leads/${l.id}`,
        { method: 'PATCH', body: '{"status":"lost"}', headers: { 'X-CSRF-Token': olga.csrf } });
      assert.equal(patch.status, 404);
      const note = await api(srv.url, olga, `/api/v1/leads/${l.id}/notes`,
        { method: 'POST', body: '{"client_id":"x","text":"mine"}', headers: { 'X-CSRF-Token': olga.csrf } });
      assert.equal(note.status, 404);
    }
    const olgaWs = await operator(srv.url, olga);
    const v = await visitor(srv.url, { site: 'shop', origin });
    v.send({ type: 'contact', client_id: 'iso', email: 'iso@shop.example' });
    await v.type('contact_saved');
    await aliceWs.pick((f) => f.type === 'lead' && f.lead.email === 'iso@shop.example', 5000, 'lead for Alice');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(olgaWs.frames.filter((f) => f.type === 'lead').length, 0, 'no lead frame crosses accounts');
    assert.equal((await fetch(`${srv.url}/api/v1/leads`)).status, 401);
    v.close();
    olgaWs.close();
  });
});
