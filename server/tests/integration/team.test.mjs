// Team settings over the real server (docs/api.md, "Team and departments"): an invitation link accepted and the
// new person in a connected console's team; used, replaced and expired links refused; the role rules, each
// refusal; disabling closes a live console and refuses login; a chat limit, a department and a routing rule take
// effect on the next chat without a restart; deleting a department hands its chats to the default one;
// validation by field, nothing half-written, and another account sees none of it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, otklikBin } from '../../../web/e2e/fixture.mjs';
import { visitor, login, operator } from './client.mjs';

const origin = 'https://shop.example';

describe('team settings', () => {
  let srv, dir, owner, ids;
  const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
  const sql = (statement) => execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(dir, 'otklik.db'), statement],
    { encoding: 'utf8' }).trim();
  const call = async (s, method, p, body) => {
    const res = await fetch(`${srv.url}${p}`, { method,
      headers: { ...(s ? { Cookie: s.cookie, 'X-CSRF-Token': s.csrf } : {}), 'Content-Type': 'application/json', Origin: srv.url },
      body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  const refused = async (promise, status, field) => {
    const r = await promise;
    assert.equal(r.status, status, JSON.stringify(r.body));
    if (field) assert.match(r.body.error.message, new RegExp(`'${field.replace(/[[\].]/g, '\\$&')}`), r.body.error.message);
    return r;
  };
  const writes = async (text, page = `${origin}/`) => {
    const v = await visitor(srv.url, { site: 'shop', origin, page: { url: page, title: 'Shop' } });
    v.send({ type: 'send', client_id: `c${Math.random().toString(36).slice(2)}`, text });
    const ack = await v.pick((f) => f.type === 'ack', 5000, 'ack');
    return { v, conversation: ack.conversation };
  };
  const assignmentOf = (op, conversation, pred = () => true) => op.pick(
    (f) => f.type === 'assignment' && f.conversation === conversation && pred(f), 5000, `assignment of ${conversation}`);
  const inviteToken = (r) => r.body.invite.url.split('#invite=')[1];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'otk-team-'));
    cli('site', 'add', '--account', 'Shop', '--key', 'shop', '--name', 'Shop', '--origin', origin);
    const people = [['olga@shop.example', 'Olga', 'owner'], ['anna@shop.example', 'Anna', 'admin'],
      ['sveta@shop.example', 'Sveta', 'supervisor'], ['alice@shop.example', 'Alice', 'operator'],
      ['boris@shop.example', 'Boris', 'operator']];
    for (const [email, name, role] of people) {
      cli('user', 'add', '--account', 'Shop', '--email', email, '--name', name, '--site', 'shop', '--password', 'secret1234',
        '--role', role, '--chat-limit', role === 'operator' ? '1' : '0');
    }
    cli('site', 'add', '--account', 'Other', '--key', 'other', '--name', 'Other', '--origin', 'https://other.example');
    cli('user', 'add', '--account', 'Other', '--email', 'oleg@other.example', '--name', 'Oleg', '--site', 'other',
      '--password', 'secret1234', '--role', 'owner');
    const config = path.join(dir, 'otklik.toml');
    writeFileSync(config, '[auth]\nlogin_per_minute = 200\n');  // many logins: one per person and role change
    srv = await startServer({ dataDir: dir, demo: false, extraArgs: ['--config', config] });
    owner = await login(srv.url, 'olga@shop.example', 'secret1234');
    const list = (await call(owner, 'GET', '/api/v1/operators')).body.operators;
    ids = Object.fromEntries(list.map((m) => [m.name.toLowerCase(), m.id]));
  });
  after(async () => { await srv.stop(); rmSync(dir, { recursive: true, force: true }); });

  test('the list: everyone of the account with role, sites, departments, limit and presence; supervisors read, operators may not', async () => {
    const r = await call(owner, 'GET', '/api/v1/operators');
    assert.equal(r.status, 200);
    const alice = r.body.operators.find((m) => m.name === 'Alice');
    assert.deepEqual(Object.keys(alice).sort(), ['chat_limit', 'departments', 'disabled', 'email', 'id', 'invited', 'name',
      'photo', 'presence', 'role', 'sites'].sort());
    assert.deepEqual([alice.role, alice.sites, alice.chat_limit, alice.presence, alice.disabled], ['operator', ['shop'], 1, 'offline', false]);
    assert.equal(alice.departments.length, 1, 'the default department');
    assert.ok(!r.body.operators.some((m) => m.name === 'Oleg'), 'another account\'s people are not listed');
    const sveta = await login(srv.url, 'sveta@shop.example', 'secret1234');
    assert.equal((await call(sveta, 'GET', '/api/v1/operators')).status, 200);
    await refused(call(sveta, 'POST', '/api/v1/operators', { email: 'x@shop.example', name: 'X' }), 403);
    const alices = await login(srv.url, 'alice@shop.example', 'secret1234');
    await refused(call(alices, 'GET', '/api/v1/operators'), 403);
    await refused(call(alices, 'GET', '/api/v1/sites/shop/departments'), 403);
    // An API token, even the owner's with write access, does not manage people.
    const { secret } = (await call(owner, 'POST', '/api/v1/tokens', { name: 'CRM', write: true })).body;
    for (const [method, p, body] of [['GET', '/api/v1/operators'], ['POST', '/api/v1/operators', { email: 't@shop.example', name: 'T' }],
      ['GET', '/api/v1/sites/shop/departments'], ['PUT', '/api/v1/sites/shop/routing', { rules: [] }]]) {
      const res = await fetch(`${srv.url}${p}`, { method, headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
        body: body && JSON.stringify(body) });
      assert.equal(res.status, 403, `${method} ${p} with a token`);
    }
  });

  test('invite → accept → log in; the new person appears in a connected console\'s team; used, replaced and expired links are refused', async () => {
    const console_ = await operator(srv.url, owner);
    const made = await call(owner, 'POST', '/api/v1/operators',
      { email: 'Vera@Shop.example', name: 'Vera', role: 'operator', sites: ['shop'], chat_limit: 2 });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.operator.email, 'vera@shop.example');
    assert.equal(made.body.operator.invited, true);
    assert.match(made.body.invite.url, /^http:\/\/127\.0\.0\.1:\d+\/console\/#invite=[\w-]{20,}$/);
    assert.ok(made.body.invite.expires_at > Date.now() + 6.9 * 86400e3);
    const token = inviteToken(made);
    assert.equal(sql(`SELECT COUNT(*) FROM operators WHERE invite_hash LIKE '%${token}%'`), '0', 'only a hash is stored');
    await refused(login(srv.url, 'vera@shop.example', 'whatever').catch((e) => ({ status: e.status, body: e.body })), 401);

    await refused(call(null, 'POST', '/api/v1/auth/invite', { token, password: 'short' }), 400, 'password');
    const accepted = await call(null, 'POST', '/api/v1/auth/invite', { token, password: 'vera-secret' });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.operator.name, 'Vera');
    assert.ok(accepted.body.csrf_token);
    assert.match(accepted.headers.get('set-cookie'), /otk_session=/);
    const team = await console_.pick((f) => f.type === 'team' && f.team.operators.some((o) => o.name === 'Vera'), 5000, 'team with Vera');
    assert.ok(team.team.operators.find((o) => o.name === 'Vera').departments.length === 1);
    const vera = await login(srv.url, 'vera@shop.example', 'vera-secret');
    assert.equal(vera.operator.role, 'operator');
    await refused(call(null, 'POST', '/api/v1/auth/invite', { token, password: 'another-secret' }), 404);
    await refused(call(owner, 'POST', '/api/v1/operators', { email: 'vera@shop.example', name: 'Vera' }), 409, 'email');

    // A fresh link replaces the old one; a link past its 7 days is refused.
    const first = inviteToken(await call(owner, 'POST', '/api/v1/operators', { email: 'petr@shop.example', name: 'Petr' }));
    const again = await call(owner, 'POST', '/api/v1/operators', { email: 'petr@shop.example', name: 'Пётр' });
    assert.equal(again.status, 201);
    assert.equal(again.body.operator.name, 'Пётр');
    await refused(call(null, 'POST', '/api/v1/auth/invite', { token: first, password: 'petr-secret' }), 404);
    sql(`UPDATE operators SET invite_expires_at = ${Date.now() - 1000} WHERE email = 'petr@shop.example'`);
    await refused(call(null, 'POST', '/api/v1/auth/invite', { token: inviteToken(again), password: 'petr-secret' }), 404);
    console_.close();
    ids.vera = vera.operator.id;
  });

  test('role rules: each refusal', async () => {
    const anna = await login(srv.url, 'anna@shop.example', 'secret1234');
    await refused(call(anna, 'PATCH', `/api/v1/operators/${ids.olga}`, { name: 'Olga B.' }), 403);
    await refused(call(anna, 'PATCH', `/api/v1/operators/${ids.alice}`, { role: 'admin' }), 403);
    await refused(call(anna, 'POST', '/api/v1/operators', { email: 'boss@shop.example', name: 'Boss', role: 'admin' }), 403);
    await refused(call(anna, 'PATCH', `/api/v1/operators/${ids.anna}`, { role: 'operator' }), 403);
    await refused(call(anna, 'PATCH', `/api/v1/operators/${ids.anna}`, { disabled: true }), 403);
    await refused(call(owner, 'PATCH', `/api/v1/operators/${ids.olga}`, { role: 'admin' }), 403);
    await refused(call(owner, 'PATCH', `/api/v1/operators/${ids.olga}`, { disabled: true }), 403);
    // What an admin may do: supervisors and operators, and their own name and limit.
    assert.equal((await call(anna, 'PATCH', `/api/v1/operators/${ids.sveta}`, { role: 'operator' })).status, 200);
    assert.equal((await call(anna, 'PATCH', `/api/v1/operators/${ids.sveta}`, { role: 'supervisor' })).status, 200);
    assert.equal((await call(anna, 'PATCH', `/api/v1/operators/${ids.anna}`, { name: 'Anna K.', chat_limit: 0 })).status, 200);
    // Only an owner grants owner; with two owners one may step the other down, never themselves.
    assert.equal((await call(owner, 'PATCH', `/api/v1/operators/${ids.anna}`, { role: 'owner' })).status, 200);
    const annaOwner = await login(srv.url, 'anna@shop.example', 'secret1234');
    assert.equal((await call(annaOwner, 'PATCH', `/api/v1/operators/${ids.olga}`, { role: 'admin' })).status, 200);
    const olgaAdmin = await login(srv.url, 'olga@shop.example', 'secret1234');
    await refused(call(olgaAdmin, 'PATCH', `/api/v1/operators/${ids.anna}`, { role: 'admin' }), 403);
    await refused(call(annaOwner, 'PATCH', `/api/v1/operators/${ids.anna}`, { role: 'admin' }), 403);
    assert.equal((await call(annaOwner, 'PATCH', `/api/v1/operators/${ids.olga}`, { role: 'owner' })).status, 200);
    assert.equal((await call(owner, 'PATCH', `/api/v1/operators/${ids.anna}`, { role: 'admin' })).status, 200);
    assert.equal(sql("SELECT group_concat(name || ':' || role, ',') FROM (SELECT name, role FROM operators WHERE role IN ('owner','admin') AND email LIKE '%@shop.example' ORDER BY id)"),
      'Olga:owner,Anna K.:admin');
  });

  test('disabling closes a live console at once, ends the session and refuses login; enabling lets them back', async () => {
    const vera = await login(srv.url, 'vera@shop.example', 'vera-secret');
    const ws = await operator(srv.url, vera);
    const r = await call(owner, 'PATCH', `/api/v1/operators/${ids.vera}`, { disabled: true });
    assert.equal(r.status, 200);
    assert.equal(r.body.operator.disabled, true);
    const closed = await ws.closedPromise;
    assert.equal(closed.code, 4001);
    assert.equal((await call(vera, 'GET', '/api/v1/me')).status, 401);
    const again = await login(srv.url, 'vera@shop.example', 'vera-secret').catch((e) => e);
    assert.equal(again.status, 403);
    assert.match(again.body.error.message, /turned off/);
    assert.equal((await call(owner, 'PATCH', `/api/v1/operators/${ids.vera}`, { disabled: false })).status, 200);
    const back = await login(srv.url, 'vera@shop.example', 'vera-secret');
    assert.equal((await call(back, 'GET', '/api/v1/me')).status, 200);
    // Vera stays out of the way of the desk tests below.
    assert.equal((await call(owner, 'PATCH', `/api/v1/operators/${ids.vera}`, { chat_limit: 0 })).status, 200);
  });

  test('disabling someone who holds a chat, or taking them off its site, hands it to a colleague at once', async () => {
    assert.equal((await call(owner, 'PATCH', `/api/v1/operators/${ids.boris}`, { chat_limit: 0 })).status, 200);
    const veraSession = await login(srv.url, 'vera@shop.example', 'vera-secret');
    assert.equal((await call(owner, 'PATCH', `/api/v1/operators/${ids.vera}`, { chat_limit: 2 })).status, 200);
    const vera = await operator(srv.url, veraSession);
    const alice = await operator(srv.url, await login(srv.url, 'alice@shop.example', 'secret1234'));
    // Vera's limit is 2 and Alice's 1: with both idle the lower id (Alice) would win, so Alice is kept busy first.
    const first = await writes('Занять Алису');
    assert.equal((await assignmentOf(alice, first.conversation, (f) => f.operator)).operator.name, 'Alice');
    const held = await writes('Вопрос для Веры');
    assert.equal((await assignmentOf(alice, held.conversation, (f) => f.operator)).operator.name, 'Vera');
    vera.send({ type: 'send', conversation: held.conversation, client_id: 'vera-1', text: 'Здравствуйте!' });
    await vera.pick((f) => f.type === 'ack', 5000, 'ack');
    alice.send({ type: 'close', conversation: first.conversation });
    await first.v.type('closed');
    assert.equal((await call(owner, 'PATCH', `/api/v1/operators/${ids.vera}`, { disabled: true })).status, 200);
    assert.equal((await vera.closedPromise).code, 4001);
    const moved = await assignmentOf(alice, held.conversation, (f) => f.operator);
    assert.equal(moved.operator.name, 'Alice', 'the answered chat of the disabled operator went to Alice');
    const messages = await (await fetch(`${srv.url}/api/v1/conversations/${held.conversation}/messages`,
      { headers: { Cookie: owner.cookie } })).json();
    assert.equal(messages.messages.find((m) => m.text === 'Здравствуйте!').author.name, 'Vera', 'her message keeps its author');
    alice.send({ type: 'close', conversation: held.conversation });
    await held.v.type('closed');
    first.v.close(); held.v.close(); alice.close();
    assert.equal((await call(owner, 'PATCH', `/api/v1/operators/${ids.vera}`, { disabled: false })).status, 200);

    // Taken off the site: her console reconnects without it and her chat there goes to Alice too.
    assert.equal((await call(owner, 'PATCH', `/api/v1/operators/${ids.alice}`, { chat_limit: 0 })).status, 200);
    const vera2 = await operator(srv.url, await login(srv.url, 'vera@shop.example', 'vera-secret'));
    const alice2 = await operator(srv.url, await login(srv.url, 'alice@shop.example', 'secret1234'));
    const second = await writes('Ещё вопрос для Веры');
    await assignmentOf(alice2, second.conversation, (f) => f.operator?.name === 'Vera');
    assert.equal((await call(owner, 'PATCH', `/api/v1/operators/${ids.alice}`, { chat_limit: 1 })).status, 200);
    const off = await call(owner, 'PATCH', `/api/v1/operators/${ids.vera}`, { sites: [] });
    assert.deepEqual([off.status, off.body.operator.sites, off.body.operator.departments], [200, [], []]);
    assert.equal((await vera2.closedPromise).code, 4003, 'her console reconnects with its new sites');
    assert.equal((await assignmentOf(alice2, second.conversation, (f) => f.operator)).operator.name, 'Alice');
    alice2.send({ type: 'close', conversation: second.conversation });
    await second.v.type('closed');
    second.v.close(); alice2.close();
    const back = await call(owner, 'PATCH', `/api/v1/operators/${ids.vera}`, { sites: ['shop'], chat_limit: 0 });
    assert.equal(back.body.operator.departments.length, 1, 'back on the site: in its default department');
  });

  test('a new chat limit applies to the next assignment, and a waiting chat is served at once', async () => {
    assert.equal((await call(owner, 'PATCH', `/api/v1/operators/${ids.boris}`, { chat_limit: 0 })).status, 200);
    const alice = await operator(srv.url, await login(srv.url, 'alice@shop.example', 'secret1234'));
    const boris = await operator(srv.url, await login(srv.url, 'boris@shop.example', 'secret1234'));
    const one = await writes('Первый');
    assert.equal((await assignmentOf(alice, one.conversation, (f) => f.operator)).operator.name, 'Alice');
    const two = await writes('Второй');
    assert.equal((await assignmentOf(alice, two.conversation)).operator, null, 'Alice is full, Boris takes none: queued');
    assert.equal((await call(owner, 'PATCH', `/api/v1/operators/${ids.boris}`, { chat_limit: 2 })).status, 200);
    assert.equal((await assignmentOf(boris, two.conversation, (f) => f.operator)).operator.name, 'Boris');
    const three = await writes('Третий');
    assert.equal((await assignmentOf(boris, three.conversation, (f) => f.operator)).operator.name, 'Boris', 'his new limit is 2');
    for (const c of [one, two, three]) {
      (c === one ? alice : boris).send({ type: 'close', conversation: c.conversation });
      await c.v.type('closed');
      c.v.close();
    }
    alice.close(); boris.close();
  });

  test('a department with a routing rule for /developers* gets chats from those pages; deleting it hands its chats to the default', async () => {
    const setup = (await call(owner, 'GET', '/api/v1/sites/shop/departments')).body;
    const general = setup.departments.find((d) => d.default);
    assert.deepEqual(setup.rules, []);
    const made = await call(owner, 'POST', '/api/v1/sites/shop/departments', { name: 'Разработчикам', members: [ids.boris] });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const dev = made.body.department;
    assert.deepEqual([dev.name, dev.default, dev.members], ['Разработчикам', false, [ids.boris]]);
    const put = await call(owner, 'PUT', '/api/v1/sites/shop/routing', { rules: [{ department: dev.id, path: '/developers*' }] });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body.rules, [{ department: dev.id, path: '/developers*' }]);

    const alice = await operator(srv.url, await login(srv.url, 'alice@shop.example', 'secret1234'));
    const boris = await operator(srv.url, await login(srv.url, 'boris@shop.example', 'secret1234'));
    assert.ok(boris.welcome.team.departments.some((d) => d.name === 'Разработчикам'));
    const api = await writes('Как подключить API?', `${origin}/developers/api?x=1`);
    const a = await assignmentOf(alice, api.conversation, (f) => f.operator);
    assert.deepEqual([a.department.name, a.operator.name], ['Разработчикам', 'Boris']);
    const shop = await writes('Где мой заказ?', `${origin}/orders`);
    assert.deepEqual((await assignmentOf(alice, shop.conversation, (f) => f.operator)).department.name, general.name);

    // Boris may take no more: the next developer chat waits in the department's queue; then the department goes.
    assert.equal((await call(owner, 'PATCH', `/api/v1/operators/${ids.boris}`, { chat_limit: 1 })).status, 200);
    const waiting = await writes('Ещё про API', `${origin}/developers/sdk`);
    assert.equal((await assignmentOf(alice, waiting.conversation)).operator, null);
    assert.equal((await call(owner, 'PATCH', `/api/v1/operators/${ids.alice}`, { chat_limit: 3 })).status, 200);
    assert.equal((await call(owner, 'DELETE', `/api/v1/departments/${dev.id}`)).status, 204);
    const moved = await assignmentOf(alice, waiting.conversation, (f) => f.operator);
    assert.deepEqual([moved.department.name, moved.operator.name], [general.name, 'Alice'], 'the waiting chat went to the default');
    assert.equal(sql(`SELECT COUNT(*) FROM conversations WHERE department_id = ${dev.id}`), '0');
    const after = (await call(owner, 'GET', '/api/v1/sites/shop/departments')).body;
    assert.deepEqual(after.rules, [{ department: general.id, path: '/developers*' }], 'its rule now points to the default');
    assert.ok(!after.departments.some((d) => d.id === dev.id));
    await refused(call(owner, 'DELETE', `/api/v1/departments/${general.id}`), 409);
    const team = await boris.pick((f) => f.type === 'team' && !f.team.departments.some((d) => d.name === 'Разработчикам'), 5000, 'team without it');
    assert.ok(team.team.departments.some((d) => d.id === general.id));
    for (const c of [api, shop, waiting]) c.v.close();
    alice.close(); boris.close();
  });

  test('validation names the field; a refused request changes nothing', async () => {
    const post = (body) => call(owner, 'POST', '/api/v1/operators', body);
    await refused(post({ email: 'nope', name: 'X' }), 400, 'email');
    await refused(post({ name: 'X' }), 400, 'email');
    await refused(post({ email: 'x@shop.example', name: '' }), 400, 'name');
    await refused(post({ email: 'x@shop.example', name: 'X', role: 'boss' }), 400, 'role');
    await refused(post({ email: 'x@shop.example', name: 'X', chat_limit: 101 }), 400, 'chat_limit');
    await refused(post({ email: 'x@shop.example', name: 'X', sites: ['other'] }), 400, 'sites');
    assert.equal(sql("SELECT COUNT(*) FROM operators WHERE email = 'x@shop.example'"), '0');
    const patch = (body) => call(owner, 'PATCH', `/api/v1/operators/${ids.alice}`, body);
    await refused(patch({ chat_limit: -1 }), 400, 'chat_limit');
    await refused(patch({ disabled: 'yes' }), 400, 'disabled');
    await refused(patch({ email: 'a@b.c' }), 400, 'email');
    await refused(patch({ name: 'Алиса', departments: [999999] }), 400, 'departments');
    await refused(patch({ name: 'Алиса', sites: ['shop', 'other'] }), 400, 'sites');
    assert.equal(sql(`SELECT name FROM operators WHERE id = ${ids.alice}`), 'Alice', 'nothing half-written');

    const general = (await call(owner, 'GET', '/api/v1/sites/shop/departments')).body.departments.find((d) => d.default);
    const rules = (body) => call(owner, 'PUT', '/api/v1/sites/shop/routing', body);
    await refused(rules({}), 400, 'rules');
    await refused(rules({ rules: [{ department: general.id }] }), 400, 'rules[0]');
    await refused(rules({ rules: [{ department: general.id, path: 'developers' }] }), 400, 'rules[0]');
    await refused(rules({ rules: [{ department: general.id, path: '/a' }, { department: general.id, color: 'red' }] }), 400, 'rules[1].color');
    await refused(rules({ rules: [{ department: general.id, path: '/a' }, { department: 999999, path: '/b' }] }), 400, 'rules[1].department');
    assert.deepEqual((await call(owner, 'GET', '/api/v1/sites/shop/departments')).body.rules,
      [{ department: general.id, path: '/developers*' }], 'the old rules stand');
    await refused(call(owner, 'POST', '/api/v1/sites/shop/departments', { name: general.name }), 409, 'name');
    await refused(call(owner, 'POST', '/api/v1/sites/shop/departments', { name: 'Опт', members: [ids.oleg ?? 999999] }), 400, 'members');
    assert.ok(!(await call(owner, 'GET', '/api/v1/sites/shop/departments')).body.departments.some((d) => d.name === 'Опт'));
    await refused(call(null, 'POST', '/api/v1/auth/invite', { password: 'long-enough' }), 400, 'token');
  });

  test('another account gets 404 for every one of these things and sees none of them', async () => {
    const oleg = await login(srv.url, 'oleg@other.example', 'secret1234');
    const dep = (await call(owner, 'POST', '/api/v1/sites/shop/departments', { name: 'Склад' })).body.department;
    const list = (await call(oleg, 'GET', '/api/v1/operators')).body.operators;
    assert.deepEqual(list.map((m) => m.name), ['Oleg']);
    await refused(call(oleg, 'PATCH', `/api/v1/operators/${ids.alice}`, { chat_limit: 9 }), 404);
    await refused(call(oleg, 'PATCH', `/api/v1/operators/${ids.alice}`, { disabled: true }), 404);
    await refused(call(oleg, 'GET', '/api/v1/sites/shop/departments'), 404);
    await refused(call(oleg, 'POST', '/api/v1/sites/shop/departments', { name: 'Чужой' }), 404);
    await refused(call(oleg, 'PUT', '/api/v1/sites/shop/routing', { rules: [] }), 404);
    await refused(call(oleg, 'PATCH', `/api/v1/departments/${dep.id}`, { name: 'Чужой' }), 404);
    await refused(call(oleg, 'DELETE', `/api/v1/departments/${dep.id}`), 404);
    await refused(call(oleg, 'PATCH', `/api/v1/operators/${list[0].id}`, { departments: [dep.id] }), 400, 'departments');
    await refused(call(oleg, 'POST', '/api/v1/operators', { email: 'alice@shop.example', name: 'Alice' }), 409, 'email');
    assert.equal(sql(`SELECT name || ':' || chat_limit || ':' || disabled FROM operators WHERE id = ${ids.alice}`), 'Alice:3:0');
    assert.equal(sql(`SELECT name FROM departments WHERE id = ${dep.id}`), 'Склад');
  });
});
