// Reports and statements over real HTTP (docs/metrics.md): figures of a seeded year-like data set equal the same
// figures computed here independently from the rows the test wrote; a live chat, reply and lead show up the same
// day; the statement; CSV; bad parameters; and another account sees none of it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, otklikBin } from '../../../web/e2e/fixture.mjs';
import { visitor, login, operator } from './client.mjs';

const origin = 'https://shop.example';
const HOUR = 3600 * 1000, DAY = 24 * HOUR;
// Moscow has kept UTC+3 all year since 2014: its local day of an instant.
const mskDay = (ms) => new Date(ms + 3 * HOUR).toISOString().slice(0, 10);
const mskMidnight = (day) => Date.parse(`${day}T00:00:00Z`) - 3 * HOUR;

/** Nearest rank: the value at rank ceil(p·n) of the sorted values, in whole seconds (rounded). */
function nearest(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.floor((sorted[Math.ceil(p * sorted.length) - 1] + 500) / 1000);
}

/** A deterministic generator, so a failure can be replayed. */
function rng(seed) {
  let s = seed >>> 0;
  return (n) => { s = (s * 1664525 + 1013904223) >>> 0; return s % n; };
}

describe('reports', () => {
  let dir, srv, sql, alice, bob, olga, shopId, otherId, deptId;
  const now = Date.now();
  const today = mskDay(now);
  const first = mskDay(now - 12 * DAY), last = mskDay(now - DAY);
  const seeded = { conversations: [], leads: [], callbacks: [] };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'otk-reports-'));
    const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
    cli('site', 'add', '--account', 'Shop', '--key', 'shop', '--name', 'Магазин', '--origin', origin);
    cli('user', 'add', '--account', 'Shop', '--email', 'alice@shop.example', '--name', 'Алиса', '--site', 'shop',
      '--password', 'secret', '--role', 'owner');
    cli('user', 'add', '--account', 'Shop', '--email', 'bob@shop.example', '--name', 'Боб', '--site', 'shop',
      '--password', 'secret', '--role', 'operator');
    cli('site', 'add', '--account', 'Other', '--key', 'other', '--name', 'Other', '--origin', 'https://other.example');
    cli('user', 'add', '--account', 'Other', '--email', 'olga@other.example', '--name', 'Olga', '--site', 'other',
      '--password', 'secret', '--role', 'owner');
    sql = (q) => execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(dir, 'otklik.db')], { input: q, encoding: 'utf8' });
    srv = await startServer({ dataDir: dir, demo: false });
    alice = await login(srv.url, 'alice@shop.example', 'secret');
    bob = await login(srv.url, 'bob@shop.example', 'secret');
    olga = await login(srv.url, 'olga@other.example', 'secret');
    const me = async (s) => (await (await fetch(`${srv.url}/api/v1/me`, { headers: { Cookie: s.cookie } })).json()).sites[0].id;
    shopId = await me(alice);
    otherId = await me(olga);
    deptId = Number(sql(`SELECT id FROM departments WHERE site_id = ${shopId}`).trim());
    const [aliceId, bobId] = [alice.operator.id, bob.operator.id];

    // The seed: visitors with a first-touch campaign, conversations on the 12 days before today, leads, callbacks.
    const r = rng(7);
    const campaigns = ['', '["yandex","cpc","autumn"]', '["vk","social",""]'];
    const stmts = ['BEGIN;'];
    for (let i = 0; i < 400; i++) {
      const campaign = campaigns[r(3)];
      const vid = 100000 + i;
      stmts.push(`INSERT INTO visitors(id, site_id, token_hash, created_at, last_seen_at, campaign) VALUES ` +
        `(${vid}, ${shopId}, 'seed-${i}', ${now - 30 * DAY}, ${now - 30 * DAY}, '${campaign}');`);
      // Some fall outside the period (the 13th and 14th day back), to be left out.
      const created = mskMidnight(first) - 2 * DAY + r(14 * 24 * 60) * 60000;
      const bot = ['', '', 'active', 'handed_off'][r(4)];
      const op = [0, aliceId, bobId][r(3)];
      const routed = bot === 'active' && r(3) ? null : created + r(60) * 1000;
      const answered = bot !== 'active' && op !== 0 && r(4) !== 0;
      const firstResponse = answered ? (routed ?? created) + r(600) * 1000 : null;
      const closed = r(2) ? created + (30 + r(3600)) * 1000 : null;
      const rating = ['', '', 'good', 'bad'][r(4)];
      const c = { created, bot, op, routed, firstResponse, closed, rating, campaign };
      seeded.conversations.push(c);
      const n = (v) => (v === null || v === 0 ? 'NULL' : v);
      stmts.push(`INSERT INTO conversations(account_id, site_id, visitor_id, status, created_at, last_message_at, ` +
        `department_id, operator_id, routed_at, first_response_at, closed_at, bot_state, rating, campaign) SELECT ` +
        `account_id, ${shopId}, ${vid}, '${closed ? 'closed' : 'open'}', ${created}, ${created}, ${deptId}, ${n(op)}, ` +
        `${n(routed)}, ${n(firstResponse)}, ${n(closed)}, '${bot}', ${rating ? `'${rating}'` : 'NULL'}, '${campaign}' ` +
        `FROM sites WHERE id = ${shopId};`);  // the server copies the visitor's campaign when a chat starts
      if (i % 5 === 0) {
        const source = ['chat', 'offline_form', 'callback'][r(3)];
        const at = created + 60000;
        seeded.leads.push({ at, source, campaign });
        stmts.push(`INSERT INTO leads(account_id, site_id, visitor_id, source, created_at, updated_at) SELECT account_id, ` +
          `${shopId}, ${vid}, '${source}', ${at}, ${at} FROM sites WHERE id = ${shopId};`);
      }
      if (i % 7 === 0) {
        const status = ['connected', 'visitor_no_answer', 'operator_busy', 'rejected_fraud_rule'][r(4)];
        const talk = status === 'connected' ? 1000 * (5 + r(300)) : 0;
        const billed = status === 'connected' ? 60 * Math.ceil(talk / 60000) : 0;
        const charge = billed * 3;
        seeded.callbacks.push({ at: created, status, talk, billed, charge, campaign });
        stmts.push(`INSERT INTO callbacks(account_id, site_id, visitor_id, client_id, e164, status, allowed, created_at, ` +
          `ended_at, talk_ms, billed_seconds, charge) SELECT account_id, ${shopId}, ${vid}, 'cb-${i}', '+79161234567', ` +
          `'${status}', 1, ${created}, ${created + 60000}, ${talk}, ${billed}, ${charge} FROM sites WHERE id = ${shopId};`);
      }
    }
    stmts.push('COMMIT;');
    sql(stmts.join('\n'));
  });
  after(async () => { await srv.stop(); rmSync(dir, { recursive: true, force: true }); });

  const get = (session, q) => fetch(`${srv.url}/api/v1/${q}`, { headers: { Cookie: session.cookie } });
  const report = async (session, q) => {
    const res = await get(session, `reports?${q}`);
    assert.equal(res.status, 200, await res.clone().text());
    return res.json();
  };

  test('the figures of the seeded days equal an independent count of the rows', async () => {
    const inPeriod = (at) => at >= mskMidnight(first) && at < mskMidnight(today);
    const convs = seeded.conversations.filter((c) => inPeriod(c.created));
    const answered = convs.filter((c) => c.firstResponse !== null);
    const botOnly = convs.filter((c) => c.firstResponse === null && c.bot === 'active');
    const frt = answered.map((c) => c.firstResponse - (c.routed ?? c.created));
    const resolution = answered.filter((c) => c.closed).map((c) => c.closed - (c.routed ?? c.created));
    assert.ok(convs.length > 250 && convs.length < 400, `${convs.length} conversations in the period`);

    const r = await report(alice, `from=${first}&to=${last}&site=${shopId}`);
    assert.deepEqual(r.period, { from: first, to: last, tz: 'Europe/Moscow' });
    assert.deepEqual(r.chats, {
      started: convs.length, answered: answered.length, missed: convs.length - answered.length - botOnly.length,
      bot_only: botOnly.length, handed_off: convs.filter((c) => c.bot === 'handed_off').length,
    });
    assert.deepEqual(r.first_response, { count: frt.length, median_s: nearest(frt, 0.5), p90_s: nearest(frt, 0.9) });
    assert.deepEqual(r.resolution,
      { count: resolution.length, median_s: nearest(resolution, 0.5), p90_s: nearest(resolution, 0.9) });
    assert.deepEqual(r.ratings, { good: convs.filter((c) => c.rating === 'good').length,
      bad: convs.filter((c) => c.rating === 'bad').length });

    assert.equal(r.days.length, 12);
    for (const d of r.days) {
      const those = convs.filter((c) => mskDay(c.created) === d.day);
      assert.equal(d.started, those.length, d.day);
      assert.equal(d.answered, those.filter((c) => c.firstResponse !== null).length, d.day);
      assert.equal(d.leads, seeded.leads.filter((l) => inPeriod(l.at) && mskDay(l.at) === d.day).length, d.day);
    }
    for (const op of [alice.operator, bob.operator]) {
      const mine = convs.filter((c) => c.op === op.id);
      const row = r.operators.find((o) => o.id === op.id);
      assert.equal(row.name, op.name);
      assert.equal(row.chats, mine.length);
      assert.equal(row.answered, mine.filter((c) => c.firstResponse !== null).length);
      const times = mine.filter((c) => c.firstResponse !== null).map((c) => c.firstResponse - (c.routed ?? c.created));
      assert.equal(row.first_response_median_s, nearest(times, 0.5));
      assert.equal(row.first_response_p90_s, nearest(times, 0.9));
    }
    assert.deepEqual(r.departments.map((d) => [d.id, d.started]), [[deptId, convs.length]]);

    const leads = seeded.leads.filter((l) => inPeriod(l.at));
    const bySource = {};
    for (const l of leads) bySource[l.source] = (bySource[l.source] ?? 0) + 1;
    assert.deepEqual(r.leads, { total: leads.length, by_source: bySource });
    const calls = seeded.callbacks.filter((c) => inPeriod(c.at));
    const byStatus = {};
    for (const c of calls) byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
    const sum = (k) => calls.reduce((s, c) => s + c[k], 0);
    assert.deepEqual(r.callbacks, { total: calls.length, by_status: byStatus, talk_seconds: Math.floor((sum('talk') + 500) / 1000),
      billed_seconds: sum('billed'), charge: sum('charge') });
    const autumn = r.campaigns.find((c) => c.source === 'yandex');
    assert.deepEqual(autumn, { source: 'yandex', medium: 'cpc', campaign: 'autumn',
      chats: convs.filter((c) => c.campaign.includes('yandex')).length,
      leads: leads.filter((l) => l.campaign.includes('yandex')).length,
      callbacks: calls.filter((c) => c.campaign.includes('yandex')).length });

    // One operator's share: their chats only, and nothing that belongs to the site as a whole.
    const b = await report(alice, `from=${first}&to=${last}&operator=${bob.operator.id}`);
    assert.equal(b.chats.started, convs.filter((c) => c.op === bob.operator.id).length);
    assert.equal(b.leads, null);
    assert.equal(b.callbacks, null);
    assert.equal(b.campaigns, null);

    // Another zone moves the day boundaries: UTC days hold other conversations than Moscow days.
    const utc = await report(alice, `from=${first}&to=${last}&tz=UTC`);
    const utcFrom = Date.parse(`${first}T00:00:00Z`), utcUntil = Date.parse(`${last}T00:00:00Z`) + DAY;
    assert.equal(utc.chats.started, seeded.conversations.filter((c) => c.created >= utcFrom && c.created < utcUntil).length);

    // The same figures as CSV: byte order mark, one long table.
    const csv = await get(alice, `reports.csv?from=${first}&to=${last}&site=${shopId}`);
    assert.equal(csv.status, 200);
    assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
    const text = Buffer.from(await csv.arrayBuffer()).toString('utf8');
    assert.ok(text.startsWith('\uFEFFsection,key,metric,value\r\n'), text.slice(0, 80));
    assert.ok(text.includes(`\r\nchats,,started,${convs.length}\r\n`));
    assert.ok(text.includes(`\r\noperator,Боб,chats,${convs.filter((c) => c.op === bob.operator.id).length}\r\n`));
    assert.ok(text.includes(`\r\ncampaign,yandex / cpc / autumn,chats,${autumn.chats}\r\n`));
  });

  test('a live chat, its reply and a lead count today, with the campaign of the landing page', async () => {
    const before = await report(alice, `from=${today}&to=${today}`);
    const op = await operator(srv.url, alice);
    const v = await visitor(srv.url, { site: 'shop', origin,
      page: { url: `${origin}/?utm_source=newsletter&utm_medium=email&utm_campaign=black-friday`, title: 'Магазин' } });
    v.send({ type: 'send', client_id: 'q1', text: 'Есть ли доставка в Казань?' });
    const ack = await v.type('ack');
    op.send({ type: 'send', conversation: ack.conversation, client_id: 'a1', text: 'Есть, за два дня' });
    await op.type('ack');
    v.send({ type: 'contact', client_id: 'c1', name: 'Мария', email: 'maria@example.ru' });
    await v.type('contact_saved');
    v.close(); op.close();

    const r = await report(alice, `from=${today}&to=${today}`);
    assert.equal(r.chats.started, before.chats.started + 1);
    assert.equal(r.chats.answered, before.chats.answered + 1);
    assert.equal(r.first_response.count, before.first_response.count + 1);
    assert.equal(r.leads.total, before.leads.total + 1);
    const friday = r.campaigns.find((c) => c.campaign === 'black-friday');
    assert.deepEqual(friday, { source: 'newsletter', medium: 'email', campaign: 'black-friday', chats: 1, leads: 1, callbacks: 0 });
    assert.equal(r.operators.find((o) => o.id === alice.operator.id).answered, 1);

    const month = today.slice(0, 7);
    const st = await (await get(alice, `statements?month=${month}`)).json();
    assert.equal(st.month, month);
    const shop = st.sites.find((s) => s.site === shopId);
    assert.equal(shop.site_name, 'Магазин');
    assert.equal(shop.currency, 'RUB');
    assert.ok(shop.chats >= 1 && shop.leads >= 1);
    assert.deepEqual(shop.operators.find((o) => o.id === alice.operator.id), { id: alice.operator.id, name: 'Алиса', chats: 1 });
    assert.ok(!st.sites.some((s) => s.site === otherId), 'only the viewer\'s sites');
    const csv = await get(alice, `statements.csv?month=${month}&site=${shopId}`);
    const text = Buffer.from(await csv.arrayBuffer()).toString('utf8');
    assert.ok(text.startsWith('\uFEFFmonth,site_id,site_name,chats,'), text.slice(0, 80));
    assert.ok(text.includes(`${month},${shopId},Магазин,${shop.chats},`));
    assert.ok(text.includes('Алиса (1)'));
  });

  test('the statement of a month adds up the seeded calls that ended in it, in the site\'s month', async () => {
    const month = mskDay(now - 40 * DAY).slice(0, 7);  // before anything was seeded
    const st = await (await get(alice, `statements?month=${month}&site=${shopId}`)).json();
    assert.deepEqual(st.sites.map((s) => [s.chats, s.leads, s.callbacks, s.amount]), [[0, 0, 0, 0]]);
    const thisMonth = today.slice(0, 7);
    const calls = seeded.callbacks.filter((c) => mskDay(c.at + 60000).slice(0, 7) === thisMonth);
    const cur = (await (await get(alice, `statements?month=${thisMonth}&site=${shopId}`)).json()).sites[0];
    assert.equal(cur.callbacks, calls.length);
    assert.equal(cur.connected_calls, calls.filter((c) => c.status === 'connected').length);
    assert.equal(cur.amount, calls.reduce((s, c) => s + c.charge, 0));
    assert.equal(cur.billed_seconds, calls.reduce((s, c) => s + c.billed, 0));
  });

  test('the conversation history pages through every conversation once, by id, for integrations', async () => {
    const from = new Date(now - 15 * DAY).toISOString().slice(0, 10), to = new Date(now + DAY).toISOString().slice(0, 10);
    const seen = new Set();
    let after = 0, pages = 0;
    for (;;) {
      const res = await get(alice, `conversations?from=${from}&to=${to}&site=${shopId}&after=${after}&limit=100`);
      assert.equal(res.status, 200, await res.clone().text());
      const page = await res.json();
      pages++;
      for (const c of page.conversations) {
        assert.ok(c.id > after, 'ids ascend past the cursor');
        assert.ok(!seen.has(c.id), 'each conversation once');
        seen.add(c.id);
        assert.equal(c.site, shopId);
      }
      if (page.next_after === null) break;
      after = page.next_after;
    }
    const stored = Number(sql(`SELECT COUNT(*) FROM conversations WHERE site_id = ${shopId} AND created_at >= ` +
      `${Date.parse(from + 'T00:00:00Z')} AND created_at < ${Date.parse(to + 'T00:00:00Z') + DAY}`).trim());
    assert.equal(seen.size, stored);
    assert.ok(pages >= 4, `${pages} pages`);
    assert.equal((await get(alice, `conversations?from=${from}&to=${to}&limit=501`)).status, 400);
    assert.equal((await get(alice, `conversations?from=${from}`)).status, 400);
    assert.equal((await get(olga, `conversations?from=${from}&to=${to}&site=${shopId}`)).status, 404);
    const theirs = await (await get(olga, `conversations?from=${from}&to=${to}`)).json();
    assert.deepEqual(theirs, { conversations: [], next_after: null });
  });

  test('bad parameters are refused by name; plain operators get no statement; another account sees nothing', async () => {
    const status = async (session, q) => {
      const res = await get(session, q);
      return [res.status, (await res.json()).error?.message ?? ''];
    };
    const [s1, m1] = await status(alice, `reports?to=${today}`);
    assert.equal(s1, 400); assert.match(m1, /'from'/);
    const [s2, m2] = await status(alice, `reports?from=${today}&to=2020-01-01`);
    assert.equal(s2, 400); assert.match(m2, /'to'/);
    const [s3, m3] = await status(alice, `reports?from=${today}&to=${today}&tz=Mars/Olympus`);
    assert.equal(s3, 400); assert.match(m3, /'tz'/);
    const [s4, m4] = await status(alice, `reports?from=${today}&to=${today}&site=abc`);
    assert.equal(s4, 400); assert.match(m4, /'site'/);
    const [s5, m5] = await status(alice, 'statements?month=2026-13');
    assert.equal(s5, 400); assert.match(m5, /'month'/);
    assert.equal((await status(bob, `statements?month=${today.slice(0, 7)}`))[0], 403);
    assert.equal((await get(bob, `reports?from=${first}&to=${today}`)).status, 200, 'operators see the figures');

    assert.equal((await status(olga, `reports?from=${first}&to=${today}&site=${shopId}`))[0], 404);
    assert.equal((await status(olga, `reports?from=${first}&to=${today}&operator=${alice.operator.id}`))[0], 404);
    assert.equal((await status(olga, `reports?from=${first}&to=${today}&department=${deptId}`))[0], 404);
    assert.equal((await status(olga, `statements?site=${shopId}`))[0], 404);
    const theirs = await report(olga, `from=${first}&to=${today}`);
    assert.equal(theirs.chats.started, 0);
    assert.equal(theirs.leads.total, 0);
    assert.equal(theirs.callbacks.total, 0);
    assert.ok(!theirs.operators.some((o) => o.id === alice.operator.id || o.id === bob.operator.id));
    assert.equal((await fetch(`${srv.url}/api/v1/reports?from=${today}&to=${today}`)).status, 401);
  });
});
