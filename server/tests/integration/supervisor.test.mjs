// The supervisor's desk over real sockets: three people of one shop — operators Alice and Boris and their
// supervisor Sveta — and Olga, the owner of another account. Who may reassign whose chat, a supervisor joining
// a colleague's chat (the visitor is told; the chat stays with its holder), whispers that reach the operators
// and never the visitor, and none of it across accounts.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, otklikBin } from '../../../web/e2e/fixture.mjs';
import { visitor, login, operator } from './client.mjs';

const origin = 'https://shop.example';

function shopWithSupervisor() {
  const dir = mkdtempSync(path.join(tmpdir(), 'otk-supervisor-'));
  const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
  cli('site', 'add', '--account', 'Shop', '--key', 'shop', '--name', 'Shop', '--origin', origin);
  cli('site', 'add', '--account', 'Shop', '--key', 'shop-en', '--name', 'Shop EN', '--origin', origin, '--lang', 'en');
  for (const [email, name, role] of [['alice@shop.example', 'Alice', 'operator'], ['boris@shop.example', 'Boris', 'operator'],
    ['sveta@shop.example', 'Света', 'supervisor']]) {
    cli('user', 'add', '--account', 'Shop', '--email', email, '--name', name, '--role', role, '--site', 'shop',
      '--site', 'shop-en', '--password', 'secret', '--chat-limit', '20');
  }
  cli('site', 'add', '--account', 'Other', '--key', 'other', '--name', 'Other', '--origin', 'https://other.example');
  cli('user', 'add', '--account', 'Other', '--email', 'olga@other.example', '--name', 'Olga', '--role', 'owner',
    '--site', 'other', '--password', 'secret');
  const config = path.join(dir, 'otklik.toml');
  writeFileSync(config, '[desk]\nfirst_response_seconds = 60\n');
  return { dir, extraArgs: ['--config', config] };
}

async function console_(base, email) {
  const session = await login(base, email, 'secret');
  return Object.assign(await operator(base, session), { session });
}

async function writes(base, text, site = 'shop') {
  const v = await visitor(base, { site, origin });
  v.send({ type: 'send', client_id: `c${Math.random().toString(36).slice(2)}`, text });
  const ack = await v.pick((f) => f.type === 'ack', 5000, 'ack');
  return { v, conversation: ack.conversation };
}

/** The assignment frame that gives the conversation to `name` (null: the queue). */
const assignedTo = (op, conversation, name) =>
  op.pick((f) => f.type === 'assignment' && f.conversation === conversation && (f.operator?.name ?? null) === name, 5000,
    `assignment of ${conversation} to ${name}`);
const refusal = async (op, frame, code) => {
  op.send(frame);
  const e = await op.pick((f) => f.type === 'error', 5000, `error ${code} for ${frame.type}`);
  assert.equal(e.code, code, `${JSON.stringify(frame)}: ${e.message}`);
  return e;
};
const presence = async (op, status) => {
  op.send({ type: 'presence', status });
  await op.pick((f) => f.type === 'presence' && f.status === status, 5000, `presence ${status}`);
};

describe('supervisor: join, whisper and reassign', () => {
  let srv, data, alice, boris, sveta, olga;
  const id = (op) => op.welcome.operator.id;
  const summary = async (op, conversation) => (await (await fetch(`${srv.url}/api/v1/conversations`,
    { headers: { Cookie: op.session.cookie } })).json()).conversations.find((c) => c.id === conversation);

  before(async () => {
    data = shopWithSupervisor();
    srv = await startServer({ dataDir: data.dir, demo: false, extraArgs: data.extraArgs });
    [alice, boris, sveta, olga] = await Promise.all(['alice@shop.example', 'boris@shop.example', 'sveta@shop.example',
      'olga@other.example'].map((e) => console_(srv.url, e)));
    // Only Boris takes new chats, so every chat below is his.
    await presence(alice, 'away');
    await presence(sveta, 'away');
  });
  after(async () => { await srv.stop(); rmSync(data.dir, { recursive: true, force: true }); });

  test('an operator may not reassign a colleague\'s chat, join it or whisper; nothing is left behind', async () => {
    const { v, conversation } = await writes(srv.url, 'Где мой заказ?');
    await assignedTo(sveta, conversation, 'Boris');
    await presence(alice, 'online');
    const e = await refusal(alice, { type: 'transfer', conversation, operator: id(alice), client_id: 'steal-1',
      note: 'Забираю себе' }, 'forbidden');
    assert.match(e.message, /Boris holds this conversation/);
    await refusal(alice, { type: 'transfer', conversation, department: boris.welcome.team.departments[0].id }, 'forbidden');
    await refusal(alice, { type: 'join', conversation }, 'forbidden');
    await refusal(alice, { type: 'note', conversation, client_id: 'w-a', text: 'Шепчу', whisper: true }, 'forbidden');
    alice.send({ type: 'notes', conversation });
    assert.deepEqual((await alice.type('notes')).notes, [], 'the refused hand-over stored no note');
    assert.equal((await summary(alice, conversation)).operator.name, 'Boris');
    await presence(alice, 'away');
    await v.close();
  });

  test('the supervisor joins: the visitor is told, her messages come under her name, the chat stays with Boris', async () => {
    const { v, conversation } = await writes(srv.url, 'Мне никто не отвечает');
    await assignedTo(sveta, conversation, 'Boris');
    sveta.send({ type: 'join', conversation });
    const line = await v.pick((f) => f.type === 'message' && f.author.kind === 'system', 5000, 'the join line');
    assert.equal(line.text, 'К разговору присоединяется руководитель Света');
    assert.equal(line.seq, 2);
    const seen = await boris.pick((f) => f.type === 'message' && f.conversation === conversation && f.author.kind === 'system');
    assert.equal(seen.id, line.id, 'the holder sees who joined');
    // Joining again repeats the first line to the joiner only.
    sveta.send({ type: 'join', conversation });
    const again = await sveta.pick((f) => f.type === 'message' && f.conversation === conversation && f.author.kind === 'system'
      && f.id === line.id, 5000, 'the join line, again');
    assert.equal(again.seq, 2);

    sveta.send({ type: 'send', conversation, client_id: 's-1', text: 'Здравствуйте! Сейчас поможем.' });
    const said = await v.pick((f) => f.type === 'message' && f.client_id === 's-1', 5000, 'the supervisor\'s message');
    assert.equal(said.author.kind, 'operator');
    assert.equal(said.author.name, 'Света');
    assert.equal(said.seq, 3, 'no second join line');
    const now = await summary(sveta, conversation);
    assert.equal(now.operator.name, 'Boris', 'her answer does not take the chat');
    assert.equal(now.answered, true, 'the visitor has had an answer');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!sveta.pending.some((f) => f.type === 'assignment' && f.conversation === conversation), 'no reassignment');
    await v.close();
  });

  test('a whisper reaches Boris (and the other operators) highlighted as a whisper, never the visitor', async () => {
    const { v, conversation } = await writes(srv.url, 'Хочу вернуть товар');
    await assignedTo(sveta, conversation, 'Boris');
    const secret = 'Постоянный клиент — предложи скидку';
    sveta.send({ type: 'note', conversation, client_id: 'w-1', text: secret, whisper: true });
    const mine = await sveta.pick((f) => f.type === 'note' && f.client_id === 'w-1', 5000, 'the whisper, to its author');
    const his = await boris.pick((f) => f.type === 'note' && f.client_id === 'w-1', 5000, 'the whisper, to Boris');
    const hers = await alice.pick((f) => f.type === 'note' && f.client_id === 'w-1', 5000, 'the whisper, to Alice');
    for (const n of [mine, his, hers]) {
      assert.equal(n.whisper, true);
      assert.deepEqual(n.to, { id: id(boris), name: 'Boris' });
      assert.equal(n.author.name, 'Света');
    }
    boris.send({ type: 'notes', conversation });
    const list = await boris.type('notes');
    assert.deepEqual(list.notes.map((n) => [n.text, n.whisper, n.to?.name]), [[secret, true, 'Boris']], 'kept as a whisper');
    // A plain note stays plain; whispering into one's own chat or a queued one makes no sense.
    boris.send({ type: 'note', conversation, client_id: 'n-plain', text: 'Принял' });
    const plain = await boris.pick((f) => f.type === 'note' && f.client_id === 'n-plain');
    assert.equal(plain.whisper, undefined);
    await refusal(sveta, { type: 'note', conversation, client_id: 'w-bad', text: 'x', whisper: 'yes' }, 'bad_frame');
    // A message after the whisper: once the visitor has it, everything before it has been delivered too.
    boris.send({ type: 'send', conversation, client_id: 'after-w', text: 'Конечно, оформим возврат.' });
    await v.pick((f) => f.type === 'message' && f.client_id === 'after-w', 5000, 'Boris\'s reply');
    assert.ok(!JSON.stringify(v.frames).includes('скидку'), 'the visitor never sees a whisper');
    await v.close();
  });

  test('the supervisor reassigns Boris\'s chat; then only its new holder may hand it on', async () => {
    const { v, conversation } = await writes(srv.url, 'Вопрос про доставку');
    await assignedTo(sveta, conversation, 'Boris');
    await presence(alice, 'online');
    sveta.send({ type: 'transfer', conversation, operator: id(alice), client_id: 'why-s', note: 'Алиса, возьми, пожалуйста' });
    const moved = await assignedTo(boris, conversation, 'Alice');
    await refusal(sveta, { type: 'transfer', conversation, operator: id(alice) }, 'bad_request');
    await refusal(boris, { type: 'transfer', conversation, operator: id(boris) }, 'forbidden');
    alice.send({ type: 'transfer', conversation, operator: id(boris) });
    await assignedTo(sveta, conversation, 'Boris');  // a holder hands over her own chat
    // Reassigning to a department: its best operator other than the supervisor and the holder.
    sveta.send({ type: 'transfer', conversation, department: moved.department.id });
    await assignedTo(boris, conversation, 'Alice');
    await presence(alice, 'away');
    await v.close();
  });

  test('an English site reads the join line in English', async () => {
    const { v, conversation } = await writes(srv.url, 'Hello?', 'shop-en');
    await assignedTo(sveta, conversation, 'Boris');
    sveta.send({ type: 'join', conversation });
    const line = await v.pick((f) => f.type === 'message' && f.author.kind === 'system', 5000, 'the join line');
    assert.equal(line.text, 'Света, a supervisor, joined the conversation');
    await v.close();
  });

  test('joining as an operator, a queued chat or a closed one is refused precisely', async () => {
    const { v, conversation } = await writes(srv.url, 'Ещё вопрос');
    await assignedTo(sveta, conversation, 'Boris');
    await refusal(sveta, { type: 'join' }, 'bad_frame');
    await refusal(sveta, { type: 'join', conversation: 999999 }, 'not_found');
    await refusal(boris, { type: 'join', conversation }, 'forbidden');
    await presence(boris, 'away');
    const queued = await writes(srv.url, 'А меня кто-нибудь слышит?');
    await assignedTo(sveta, queued.conversation, null);
    const e = await refusal(sveta, { type: 'join', conversation: queued.conversation }, 'conflict');
    assert.match(e.message, /queue/);
    await refusal(sveta, { type: 'note', conversation: queued.conversation, client_id: 'w-q', text: 'x', whisper: true }, 'conflict');
    await refusal(boris, { type: 'transfer', conversation: queued.conversation, operator: id(boris) }, 'conflict');
    await presence(boris, 'online');
    await assignedTo(sveta, queued.conversation, 'Boris');
    boris.send({ type: 'close', conversation });
    await v.type('closed');
    const closed = await refusal(sveta, { type: 'join', conversation }, 'conflict');
    assert.match(closed.message, /closed/);
    await v.close(); await queued.v.close();
  });

  test('an operator of another account can neither join, whisper nor reassign (not_found)', async () => {
    const { v, conversation } = await writes(srv.url, 'Секретный вопрос');
    await assignedTo(sveta, conversation, 'Boris');
    for (const f of [{ type: 'join', conversation },
      { type: 'note', conversation, client_id: 'o-w', text: 'чужое', whisper: true },
      { type: 'transfer', conversation, operator: id(olga) },
      { type: 'transfer', conversation, operator: id(alice) }]) {
      await refusal(olga, f, 'not_found');
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!v.frames.some((f) => f.type === 'message' && f.author.kind === 'system'), 'the visitor heard of nobody');
    assert.ok(!olga.frames.some((f) => JSON.stringify(f).includes('Секретный')));
    assert.equal((await summary(sveta, conversation)).operator.name, 'Boris');
    await v.close();
  });
});
