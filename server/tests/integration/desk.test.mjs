// The desk over real sockets: fair assignment, limits and the queue, first-response re-offer, returning
// visitors, presence, closing, and a restart that keeps every place. Two operators of one shop, each on their
// own console; visitors on the shop's origin.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, otklikBin } from '../../../web/e2e/fixture.mjs';
import { visitor, login, operator } from './client.mjs';

const origin = 'https://shop.example';

/** A data directory with one shop and two operators (Alice first, so her id is lower). */
function shopWithTwoOperators({ limit = 5, firstResponseSeconds = 30 } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'otk-desk-'));
  const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
  cli('site', 'add', '--account', 'Shop', '--key', 'shop', '--name', 'Shop', '--origin', origin);
  for (const [email, name] of [['alice@shop.example', 'Alice'], ['boris@shop.example', 'Boris']]) {
    cli('user', 'add', '--account', 'Shop', '--email', email, '--name', name, '--site', 'shop', '--password', 'secret',
      '--chat-limit', String(limit));
  }
  const config = path.join(dir, 'otklik.toml');
  writeFileSync(config, `[desk]\nfirst_response_seconds = ${firstResponseSeconds}\n`);
  return { dir, extraArgs: ['--config', config] };
}

async function consoles(base) {
  const alice = await login(base, 'alice@shop.example', 'secret');
  const boris = await login(base, 'boris@shop.example', 'secret');
  return { alice: Object.assign(await operator(base, alice), { session: alice }),
    boris: Object.assign(await operator(base, boris), { session: boris }) };
}

/** A visitor who writes one message; resolves to {v, conversation}. */
async function writes(base, text, opts = {}) {
  const v = await visitor(base, { site: 'shop', origin, ...opts });
  v.send({ type: 'send', client_id: `c${Math.random().toString(36).slice(2)}`, text });
  const ack = await v.pick((f) => f.type === 'ack', 5000, 'ack');  // a status frame may come first
  return { v, conversation: ack.conversation, token: v.welcome.visitor };
}

const assignmentOf = (op, conversation) =>
  op.pick((f) => f.type === 'assignment' && f.conversation === conversation, 5000, `assignment of ${conversation}`);
const statusOf = (v, state) => v.pick((f) => f.type === 'status' && f.state === state, 5000, `status ${state}`);

describe('desk: assignment, limits and the queue', () => {
  let srv, data, ops;
  before(async () => {
    data = shopWithTwoOperators({ limit: 1 });
    srv = await startServer({ dataDir: data.dir, demo: false, extraArgs: data.extraArgs });
    ops = await consoles(srv.url);
  });
  after(async () => { await srv.stop(); rmSync(data.dir, { recursive: true, force: true }); });

  test('chats go to the least-loaded operator; over the limit they queue with honest positions; a close serves the next', async () => {
    const one = await writes(srv.url, 'Первый вопрос');
    const a1 = await assignmentOf(ops.alice, one.conversation);
    assert.equal(a1.operator.name, 'Alice', 'both idle: the lower id');
    await statusOf(one.v, 'assigned');

    const two = await writes(srv.url, 'Второй вопрос');
    assert.equal((await assignmentOf(ops.alice, two.conversation)).operator.name, 'Boris', 'Alice is at her limit');

    const three = await writes(srv.url, 'Третий вопрос');
    const q3 = await statusOf(three.v, 'queued');
    assert.equal(q3.position, 1);
    assert.equal(typeof q3.wait_ms, 'number');
    assert.ok(q3.wait_ms >= 60000, 'an estimate of at least a minute, never a false "right now"');
    assert.equal((await assignmentOf(ops.boris, three.conversation)).operator, null, 'operators see it waiting');
    const four = await writes(srv.url, 'Четвёртый вопрос');
    assert.equal((await statusOf(four.v, 'queued')).position, 2);

    ops.alice.send({ type: 'close', conversation: one.conversation });
    assert.equal((await one.v.type('closed')).conversation, one.conversation);
    assert.equal((await assignmentOf(ops.boris, three.conversation)).operator.name, 'Alice');
    await statusOf(three.v, 'assigned');
    assert.equal((await statusOf(four.v, 'queued')).position, 1, 'the next in line moves up');

    // The REST list agrees with the live frames.
    const list = await (await fetch(`${srv.url}/api/v1/conversations`, { headers: { Cookie: ops.boris.session.cookie } })).json();
    const byId = Object.fromEntries(list.conversations.map((c) => [c.id, c]));
    assert.equal(byId[three.conversation].operator.name, 'Alice');
    assert.equal(byId[four.conversation].operator, null);
    assert.equal(byId[one.conversation], undefined, 'closed chats leave the open list');
    for (const c of [two, three, four]) await c.v.close();
    await one.v.close();
  });

  test('a queued place survives a restart and the visitor hears it again on reconnect', async () => {
    // Boris (limit 1) has chat two, Alice has three; four is waiting.
    const five = await writes(srv.url, 'Пятый вопрос');
    const position = (await statusOf(five.v, 'queued')).position;
    await five.v.close();
    await ops.alice.close(); await ops.boris.close();
    await srv.stop();
    srv = await startServer({ dataDir: data.dir, demo: false, extraArgs: data.extraArgs });
    const again = await visitor(srv.url, { site: 'shop', origin, token: five.token });
    assert.equal(again.welcome.conversation.id, five.conversation);
    assert.equal((await statusOf(again, 'queued')).position, position);
    await again.close();
    ops = await consoles(srv.url);
  });

  test('bad desk frames get precise errors', async () => {
    ops.alice.send({ type: 'presence', status: 'sleeping' });
    const e1 = await ops.alice.type('error');
    assert.equal(e1.code, 'bad_frame');
    assert.equal(e1.ref, 'presence');
    ops.alice.send({ type: 'close', conversation: 999999 });
    const e2 = await ops.alice.type('error');
    assert.equal(e2.code, 'not_found');
  });
});

describe('desk: first response, presence and returning visitors', () => {
  let srv, data, ops;
  before(async () => {
    data = shopWithTwoOperators({ limit: 5, firstResponseSeconds: 1 });
    srv = await startServer({ dataDir: data.dir, demo: false, extraArgs: data.extraArgs });
    ops = await consoles(srv.url);
  });
  after(async () => { await srv.stop(); rmSync(data.dir, { recursive: true, force: true }); });

  test('an unanswered chat moves to the next operator, then the visitor hears that everyone is busy', async () => {
    const c = await writes(srv.url, 'Есть кто живой?');
    assert.equal((await assignmentOf(ops.boris, c.conversation)).operator.name, 'Alice');
    const moved = await assignmentOf(ops.boris, c.conversation);
    assert.equal(moved.operator.name, 'Boris', 'after the first-response timer');
    const busy = await statusOf(c.v, 'busy');
    assert.equal(typeof busy.wait_ms, 'number');
    assert.equal(ops.alice.welcome.first_response_ms, 1000, 'the console knows when a chat is late');
    const summary = async () => (await (await fetch(`${srv.url}/api/v1/conversations`,
      { headers: { Cookie: ops.alice.session.cookie } })).json()).conversations.find((x) => x.id === c.conversation);
    assert.equal((await summary()).answered, false);
    // Alice answers after all: she takes the chat, and the visitor's "busy" gives way.
    ops.alice.send({ type: 'send', conversation: c.conversation, client_id: 'late1', text: 'Да, я здесь!' });
    assert.equal((await assignmentOf(ops.boris, c.conversation)).operator.name, 'Alice');
    await statusOf(c.v, 'assigned');
    assert.equal((await summary()).answered, true);
    ops.alice.send({ type: 'close', conversation: c.conversation });
    await c.v.type('closed');

    // The same visitor comes back: straight to Alice, though Boris is less loaded and has been idle longer.
    const back = await writes(srv.url, 'Это снова я', { token: c.token });
    assert.notEqual(back.conversation, c.conversation);
    assert.equal((await assignmentOf(ops.boris, back.conversation)).operator.name, 'Alice');
    ops.alice.send({ type: 'send', conversation: back.conversation, client_id: 'back1', text: 'Рада снова видеть!' });
    await back.v.next((f) => f.type === 'message' && f.client_id === 'back1');
    await c.v.close(); await back.v.close();
  });

  test('an operator who is away gets no new chats; one whose console closed neither', async () => {
    ops.alice.send({ type: 'presence', status: 'away' });
    const away = await ops.alice.next((f) => f.type === 'presence' && f.status === 'away');
    assert.equal(away.connected, true);
    const c1 = await writes(srv.url, 'Вопрос, пока Алиса отошла');
    assert.equal((await assignmentOf(ops.boris, c1.conversation)).operator.name, 'Boris');
    ops.alice.send({ type: 'presence', status: 'online' });
    await ops.alice.next((f) => f.type === 'presence' && f.status === 'online');
    await ops.boris.close();
    const c2 = await writes(srv.url, 'А теперь?');
    assert.equal((await assignmentOf(ops.alice, c2.conversation)).operator.name, 'Alice');
    await c1.v.close(); await c2.v.close();
  });
});

describe('desk: internal notes and transfers (demo data: two operators, a delivery department)', () => {
  let srv, demo, anna;
  const team = () => demo.welcome.team;
  const department = (siteKey, name) => {
    const site = demo.welcome.sites.find((s) => s.key === siteKey);
    return team().departments.find((d) => d.site === site.id && d.name === name);
  };
  before(async () => {
    srv = await startServer();
    demo = await operator(srv.url, await login(srv.url));
    anna = await operator(srv.url, await login(srv.url, 'anna@example.com', 'demo'));
  });
  after(async () => { await srv.stop(); });

  const shopVisitor = async (text) => {
    const v = await visitor(srv.url);
    v.send({ type: 'send', client_id: `c${Math.random().toString(36).slice(2)}`, text });
    const ack = await v.pick((f) => f.type === 'ack', 5000, 'ack');
    return { v, conversation: ack.conversation };
  };

  test('the welcome names the team and the departments of the operator\'s sites', () => {
    const names = team().operators.map((o) => o.name).sort();
    assert.deepEqual(names, ['Анна Смирнова', 'Демо Оператор']);
    assert.ok(department('demo-shop', 'Доставка и возврат'));
    const annaInTeam = team().operators.find((o) => o.name === 'Анна Смирнова');
    assert.ok(annaInTeam.departments.includes(department('demo-shop', 'Доставка и возврат').id));
  });

  test('a note reaches the other operators, never the visitor, and a resend stores it once', async () => {
    const { v, conversation } = await shopVisitor('Хочу вернуть плед');
    await assignmentOf(anna, conversation);
    const secret = 'Постоянный клиент, можно дать скидку 10%';
    demo.send({ type: 'note', conversation, client_id: 'note-1', text: secret });
    const mine = await demo.pick((f) => f.type === 'note' && f.client_id === 'note-1');
    const theirs = await anna.pick((f) => f.type === 'note' && f.client_id === 'note-1');
    assert.equal(theirs.id, mine.id);
    assert.equal(theirs.author.name, 'Демо Оператор');
    demo.send({ type: 'note', conversation, client_id: 'note-1', text: secret });
    assert.equal((await demo.pick((f) => f.type === 'note' && f.client_id === 'note-1')).id, mine.id);
    demo.send({ type: 'notes', conversation });
    const list = await demo.type('notes');
    assert.deepEqual(list.notes.map((n) => n.text), [secret]);
    // A message after the note: once the visitor has it, everything before it has been delivered too.
    demo.send({ type: 'send', conversation, client_id: 'after-note', text: 'Конечно, поможем с возвратом.' });
    await v.next((f) => f.type === 'message' && f.client_id === 'after-note');
    assert.ok(!JSON.stringify(v.frames).includes('скидку'), 'the visitor never sees a note');
    v.send({ type: 'history', conversation, after: 0 });
    const history = await v.type('history');
    assert.deepEqual(history.messages.map((m) => m.seq), [1, 2], 'the visitor\'s sequence has no hole');
    await v.close();
  });

  test('a transfer to a colleague carries its note; a transfer to a department finds its operator', async () => {
    const { v, conversation } = await shopVisitor('Где мой заказ?');
    const first = await assignmentOf(demo, conversation);  // demo sees every assignment of the shop, in order
    const holder = first.operator.id === demo.welcome.operator.id ? demo : anna;
    const other = holder === demo ? anna : demo;
    holder.send({ type: 'transfer', conversation, operator: other.welcome.operator.id, client_id: 'why-1',
      note: 'Вопрос про доставку — передаю тебе' });
    const note = await other.pick((f) => f.type === 'note' && f.client_id === 'why-1');
    assert.match(note.text, /передаю тебе/);
    const moved = await assignmentOf(demo, conversation);
    assert.equal(moved.operator.id, other.welcome.operator.id);

    // Handed to the shop's general department: the operator there other than the giver gets it.
    const general = department('demo-shop', 'Общий');
    other.send({ type: 'transfer', conversation, department: general.id });
    const back = await assignmentOf(demo, conversation);
    assert.equal(back.operator.id, holder.welcome.operator.id);
    assert.equal(back.department.id, general.id);
    // And to the delivery department, whose only member is Anna: she gets it, unless she is the one handing it
    // over (a department hand-over never returns the chat to its giver), and then it waits there.
    holder.send({ type: 'transfer', conversation, department: department('demo-shop', 'Доставка и возврат').id });
    const delivery = await assignmentOf(demo, conversation);
    assert.equal(delivery.department.name, 'Доставка и возврат');
    assert.equal(delivery.operator?.name ?? null, holder === anna ? null : 'Анна Смирнова');
    await v.close();
  });

  test('impossible transfers and notes are refused with precise errors', async () => {
    const { v, conversation } = await shopVisitor('Проверка ошибок');
    const mine = await assignmentOf(demo, conversation);
    const me = mine.operator.id === demo.welcome.operator.id ? demo : anna;
    const other = me === demo ? anna : demo;
    const expectError = async (op, frame, code) => {
      op.send(frame);
      const e = await op.pick((f) => f.type === 'error', 5000, `error ${code}`);
      assert.equal(e.code, code, JSON.stringify(frame));
      return e;
    };
    await expectError(me, { type: 'transfer', conversation, operator: me.welcome.operator.id }, 'bad_request');
    await expectError(me, { type: 'transfer', conversation, operator: 9999 }, 'not_found');
    await expectError(me, { type: 'transfer', conversation, department: department('demo-bikes', 'Общий').id }, 'not_found');
    await expectError(me, { type: 'transfer', conversation }, 'bad_frame');
    await expectError(me, { type: 'transfer', conversation, operator: 1, department: 1 }, 'bad_frame');
    await expectError(me, { type: 'note', conversation: 999999, client_id: 'n-x', text: 'x' }, 'not_found');
    await expectError(me, { type: 'note', conversation, client_id: 'n-y', text: '   ' }, 'text_empty');
    other.send({ type: 'presence', status: 'away' });
    await other.pick((f) => f.type === 'presence' && f.status === 'away');
    const busy = await expectError(me, { type: 'transfer', conversation, operator: other.welcome.operator.id }, 'conflict');
    assert.match(busy.message, /cannot take a chat now/);
    other.send({ type: 'presence', status: 'online' });
    await other.pick((f) => f.type === 'presence' && f.status === 'online');
    await v.close();
  });
});

describe('desk: working hours', () => {
  test('outside hours the visitor hears when the team is back; a 24/7 site is simply open', async () => {
    const data = shopWithTwoOperators();
    // Open only on Mondays 00:00-00:01 in Vladivostok: closed at almost any moment this test may run.
    execFileSync(otklikBin, ['site', 'add', '--data', data.dir, '--account', 'Shop', '--key', 'shop', '--timezone',
      'Asia/Vladivostok', '--hours', 'mon 00:00-00:01']);
    execFileSync(otklikBin, ['site', 'add', '--data', data.dir, '--account', 'Shop', '--key', 'shop-247', '--name',
      'Shop 24/7', '--origin', origin]);
    const srv = await startServer({ dataDir: data.dir, demo: false, extraArgs: data.extraArgs });
    try {
      const v = await visitor(srv.url, { site: 'shop', origin });
      const hours = await v.pick((f) => f.type === 'hours', 5000, 'hours');
      const vladivostokMonday = (ms) => new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Asia/Vladivostok', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
      }).format(new Date(ms));
      if (hours.open) {
        assert.equal(vladivostokMonday(Date.now()).slice(0, 3), 'Mon', 'open only in that minute');
      } else {
        assert.equal(vladivostokMonday(hours.next_open), 'Mon 00:00');
        assert.ok(hours.next_open > Date.now() && hours.next_open - Date.now() <= 7 * 24 * 3600e3);
      }
      await v.close();
      const always = await visitor(srv.url, { site: 'shop-247', origin });
      assert.deepEqual(await always.pick((f) => f.type === 'hours', 5000, 'hours'), { type: 'hours', open: true, next_open: null });
      await always.close();
    } finally {
      await srv.stop();
      rmSync(data.dir, { recursive: true, force: true });
    }
  });
});

describe('desk: departments from the command line', () => {
  test('a rule sends developers to the technical department; bad input is refused and changes nothing', async () => {
    const data = shopWithTwoOperators();
    const dep = (...args) => spawnSync(otklikBin, ['department', 'add', '--data', data.dir, '--site', 'shop', ...args],
      { encoding: 'utf8' });
    assert.equal(dep('--name', 'Техподдержка', '--member', 'boris@shop.example', '--path', '/developers*').status, 0);
    const unknown = dep('--name', 'Склад', '--member', 'nobody@shop.example');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no operator/);
    const badNew = dep('--name', 'Опт', '--path', 'wholesale');
    assert.equal(badNew.status, 2);
    const badRule = dep('--name', 'Техподдержка', '--path', 'developers');
    assert.equal(badRule.status, 2);
    assert.match(badRule.stderr, /starts with '\/'/);
    const srv = await startServer({ dataDir: data.dir, demo: false, extraArgs: data.extraArgs });
    try {
      const ops = await consoles(srv.url);
      assert.ok(ops.alice.welcome.team.departments.some((d) => d.name === 'Техподдержка'));
      const names = ops.alice.welcome.team.departments.map((d) => d.name);
      assert.ok(!names.includes('Склад') && !names.includes('Опт'), 'a refused command created nothing');
      const v = await visitor(srv.url, { site: 'shop', origin, page: { url: 'https://shop.example/developers/api', title: 'API' } });
      v.send({ type: 'send', client_id: 'dev-1', text: 'Как получить ключ API?' });
      const ack = await v.pick((f) => f.type === 'ack');
      const a = await assignmentOf(ops.alice, ack.conversation);
      assert.equal(a.department.name, 'Техподдержка');
      assert.equal(a.operator.name, 'Boris', 'the only member, though Alice has the lower id');
      await v.close(); await ops.alice.close(); await ops.boris.close();
    } finally {
      await srv.stop();
      rmSync(data.dir, { recursive: true, force: true });
    }
  });
});
