// Faults that must not cost a message or mislead anyone: a full database (SQLite cannot write) gets clear
// errors and never a false acknowledgement; a slow operator is cut off by its bounded queue without holding up
// the others, and catches up by resuming.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startServer } from '../../../web/e2e/fixture.mjs';
import { visitor, login, operator, transcript } from './client.mjs';

const big = (i) => `${i}: ` + 'Длинное сообщение о заказе. '.repeat(130);  // ~3,600 characters, ~6.6 KB of UTF-8

async function operatorsConnected(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(text.match(/otk_open_connections\{kind="operator"\} (\d+)/)[1]);
}

async function until(what, pred, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a full database: every message is either acknowledged and kept, or refused with a clear error', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'otk-full-'));
  const capped = path.join(dir, 'capped.toml');
  writeFileSync(capped, '[storage]\nmax_size_mb = 1\n');
  let srv = await startServer({ dataDir: dir, extraArgs: ['--config', capped] });
  try {
    const v = await visitor(srv.url);
    const token = v.welcome.visitor;
    const acked = new Set(), refused = new Map();
    // Write until the cap refuses; then a few more, which must all be refused too.
    for (let i = 0; refused.size < 5 && i < 400; i++) {
      const id = `full-${i}`;
      let f;
      do {  // at the widget's pace: a visitor may send 20 frames a second
        await new Promise((r) => setTimeout(r, 60));
        v.send({ type: 'send', client_id: id, text: big(i) });
        f = await v.pick((x) => (x.type === 'ack' && x.client_id === id) || (x.type === 'error' && x.ref === id), 10000, id);
      } while (f.type === 'error' && f.code === 'rate_limited');
      if (f.type === 'ack') {
        assert.equal(refused.size, 0, `${id} acknowledged after a refusal: the database cannot have had room`);
        acked.add(id);
      } else {
        refused.set(id, f);
      }
    }
    assert.ok(acked.size > 10, `some messages fit before the cap (${acked.size})`);
    assert.equal(refused.size, 5, 'the cap was reached');
    for (const [, f] of refused) {
      assert.equal(f.code, 'unavailable');
      assert.match(f.message, /full/i, 'the error says why');
    }
    // Reads still work while writes are refused.
    const session = await login(srv.url);
    const conv = (await operator(srv.url, session)).welcome.conversations[0].id;
    assert.equal((await transcript(srv.url, session, conv)).length, acked.size);
    await v.close();
    await srv.stop();

    // Room again (no cap): everything acknowledged is there exactly once, nothing refused was kept, and the
    // refused messages go through when resent with their client ids.
    srv = await startServer({ dataDir: dir });
    const again = await visitor(srv.url, { token });
    const s2 = await login(srv.url);
    const before = await transcript(srv.url, s2, conv);
    assert.deepEqual(before.map((m) => m.client_id).sort(), [...acked].sort());
    for (const id of refused.keys()) again.send({ type: 'send', client_id: id, text: big(0) });
    for (const id of refused.keys()) await again.pick((x) => x.type === 'ack' && x.client_id === id, 10000, `${id} resent`);
    const after = await transcript(srv.url, s2, conv);
    assert.equal(after.length, acked.size + refused.size);
    assert.equal(new Set(after.map((m) => m.seq)).size, after.length, 'sequence numbers stay unique');
    assert.deepEqual(after.map((m) => m.seq), after.map((_, i) => i + 1), 'and gap-free');
    await again.close();
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a slow operator is cut off by its bounded queue without holding up the others, and catches up by resuming', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'otk-slow-'));
  const conf = path.join(dir, 'small-queue.toml');
  writeFileSync(conf, '[limits]\noperator_queue_frames = 400\n');
  const srv = await startServer({ dataDir: dir, extraArgs: ['--config', conf] });
  try {
    const session = await login(srv.url);
    const fast = await operator(srv.url, session);
    // The slow console: says hello, then stops reading its socket.
    const slow = new WebSocket(`${srv.url.replace('http', 'ws')}/ws/operator`, { origin: srv.url, headers: { Cookie: session.cookie } });
    await new Promise((resolve, reject) => { slow.once('open', resolve); slow.once('error', reject); });
    slow.on('error', () => {});  // the server cuts it; that is the point
    const welcomed = new Promise((r) => slow.once('message', r));
    slow.send(JSON.stringify({ type: 'hello' }));
    await welcomed;
    slow._socket.pause();
    assert.equal(await operatorsConnected(srv.url), 2);

    // A flood the slow console cannot take: kernel buffers fill (a few MB on loopback), then its queue passes 400
    // frames. It comes in rounds of one message per visitor.
    const visitors = [];
    for (let i = 0; i < 40; i++) visitors.push(await visitor(srv.url));
    const perVisitor = 60;  // 2,400 messages, ~16 MB
    let sent = 0;
    const conversations = [];
    for (let round = 0; round < perVisitor; round++) {
      for (const [i, v] of visitors.entries()) v.send({ type: 'send', client_id: `f-${i}-${round}`, text: big(sent++) });
      const acks = await Promise.all(visitors.map((v, i) =>
        v.pick((f) => f.type === 'ack' && f.client_id === `f-${i}-${round}`, 30000, 'ack')));
      if (round === 0) conversations.push(...acks.map((a) => a.conversation));
      // The next round only once the fast console has this one: it never falls behind by more than a round,
      // however slow the build, while the slow console falls further behind with every round.
      await until(`round ${round} at the fast console`, () =>
        fast.frames.filter((f) => f.type === 'message' && f.author.kind === 'visitor').length === sent);
    }

    // The fast console got every message while the slow one was still stalled.
    await until('every message at the fast console', () =>
      fast.frames.filter((f) => f.type === 'message' && f.author.kind === 'visitor').length === sent);
    // The slow one was cut (its queue overflowed; it never read, so the socket goes after the grace period).
    await until('the slow console to be cut off', async () => (await operatorsConnected(srv.url)) === 1);
    slow._socket.resume();
    slow.terminate();

    // It comes back and catches up: the welcome has every conversation with its last sequence number, and
    // history gives it every message exactly once.
    const back = await operator(srv.url, session);
    for (const id of conversations) {
      const summary = back.welcome.conversations.find((c) => c.id === id);
      assert.equal(summary.last_seq, perVisitor);
      const all = await transcript(srv.url, session, id);
      assert.deepEqual(all.map((m) => m.seq), Array.from({ length: perVisitor }, (_, k) => k + 1));
    }
    for (const c of [fast, back, ...visitors]) c.close();
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
