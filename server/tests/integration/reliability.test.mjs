// Two tests. kill -9 in the middle of traffic: 200 visitors and 5 operators exchange messages, the server dies, comes back on
// the same data, and everyone resumes. Every acknowledged message is stored exactly once, every message any client
// sent is stored exactly once after the resends, sequences stay gap-free, and what each client ends up showing
// (live frames before the crash, history after) holds each message exactly once. And a reconnect storm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, otklikBin } from '../../../web/e2e/fixture.mjs';
import { visitor, login, operator, transcript } from './client.mjs';

const VISITORS = 200;
const PER_VISITOR = 10;

test('kill -9 while 200 visitors and 5 operators talk: nothing acknowledged is lost, nothing is doubled', { timeout: 120000 }, async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'otk-reliability-'));
  const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dataDir], { encoding: 'utf8' });
  cli('site', 'add', '--account', 'Demo agency', '--key', 'demo-shop', '--name', 'Demo shop', '--origin', 'http://127.0.0.1');
  const emails = ['demo@example.com', 'anna@example.com'];
  for (let i = 3; i <= 5; i++) {
    cli('user', 'add', '--account', 'Demo agency', '--email', `op${i}@example.com`, '--name', `Op ${i}`, '--site', 'demo-shop',
      '--password', 'demo', '--chat-limit', '100');
    emails.push(`op${i}@example.com`);
  }
  let srv = await startServer({ dataDir });
  try {
    const ops = [];
    for (const e of emails) ops.push(await operator(srv.url, await login(srv.url, e, 'demo')));
    const vs = [];
    for (let i = 0; i < VISITORS; i++) vs.push(await visitor(srv.url));
    const tokens = vs.map((v) => v.welcome.visitor);
    const acked = vs.map(() => new Map());  // per visitor: client_id -> seq
    const seen = vs.map(() => new Map());   // per visitor: seq -> client_id, from every frame it received
    const record = (i, f) => { if ((f.type === 'ack' || f.type === 'message') && f.author?.kind !== 'operator') seen[i].set(f.seq, f.client_id); };

    // Everyone writes; operators answer a few. Half way, the server is killed.
    let sent = 0;
    for (let k = 0; k < PER_VISITOR; k++) {
      for (const [i, v] of vs.entries()) v.send({ type: 'send', client_id: `v${i}m${k}`, text: `visitor ${i} message ${k}` });
      sent++;
      if (k === PER_VISITOR / 2) break;  // the rest after the restart
    }
    // Kill once a quarter of what is in flight has been acknowledged: the rest is being committed or queued.
    const firstAcks = await Promise.all(vs.slice(0, 20).map((v) => v.pick((f) => f.type === 'ack', 10000, 'first ack')));
    for (const [i, o] of ops.entries()) {
      for (let j = 0; j < 4; j++) o.send({ type: 'send', conversation: firstAcks[(i * 7 + j) % 20].conversation, client_id: `o${i}r${j}`, text: `answer ${i}.${j}` });
    }
    const acks = () => vs.reduce((n, v) => n + v.frames.filter((f) => f.type === 'ack').length, 0);
    for (let t = 0; t < 500 && acks() < (VISITORS * sent) / 4; t++) await new Promise((r) => setTimeout(r, 2));
    // One more message each, and the kill in the same instant: on a fast machine everything before may already be
    // acknowledged, but these cannot all be, so the clients' resend path always runs.
    for (const [i, v] of vs.entries()) v.send({ type: 'send', client_id: `v${i}m${sent}`, text: `visitor ${i} message ${sent}` });
    sent++;
    await srv.kill();
    for (const [i, v] of vs.entries()) {
      for (const f of v.frames) { if (f.type === 'ack') acked[i].set(f.client_id, f.seq); record(i, f); }
    }
    const ackedBefore = acked.reduce((n, m) => n + m.size, 0);
    assert.ok(ackedBefore > 0, 'some messages were acknowledged before the kill');
    assert.ok(ackedBefore < VISITORS * sent, `some were not (${ackedBefore} of ${VISITORS * sent}): the resend path runs`);
    console.log(`acknowledged before the kill: ${ackedBefore} of ${VISITORS * sent} sent`);

    // Back on the same data: everyone resumes with their token, resends what was not acknowledged, sends the rest.
    srv = await startServer({ dataDir });
    const back = [];
    for (const [i, token] of tokens.entries()) back.push(await visitor(srv.url, { token }));
    for (const [i, v] of back.entries()) {
      for (let k = 0; k < PER_VISITOR; k++) {
        const cid = `v${i}m${k}`;
        if (!acked[i].has(cid)) v.send({ type: 'send', client_id: cid, text: `visitor ${i} message ${k}` });
      }
    }
    for (const [i, v] of back.entries()) {
      const missing = PER_VISITOR - acked[i].size;
      for (let n = 0; n < missing; n++) {
        const a = await v.pick((f) => f.type === 'ack', 15000, `ack after restart (visitor ${i})`);
        if (acked[i].has(a.client_id)) assert.equal(acked[i].get(a.client_id), a.seq, 'a resend gets the original ack');
        acked[i].set(a.client_id, a.seq);
      }
      // The client fills its view from history after the last sequence it showed.
      const conv = v.welcome.conversation.id;
      v.send({ type: 'history', conversation: conv, after: 0, limit: 500 });
      const h = await v.pick((f) => f.type === 'history', 10000, 'history');
      for (const m of h.messages) if (m.author.kind === 'visitor') {
        if (seen[i].has(m.seq)) assert.equal(seen[i].get(m.seq), m.client_id, 'a sequence number never changes its message');
        seen[i].set(m.seq, m.client_id);
      }
    }

    const session = await login(srv.url);
    for (const [i, v] of back.entries()) {
      const conv = v.welcome.conversation.id;
      const stored = (await transcript(srv.url, session, conv));
      assert.deepEqual(stored.map((m) => m.seq), stored.map((_, n) => n + 1), 'gap-free');
      const mine = stored.filter((m) => m.author.kind === 'visitor').map((m) => m.client_id);
      assert.equal(new Set(mine).size, mine.length, `visitor ${i}: no message stored twice`);
      assert.deepEqual([...mine].sort(), [...acked[i].keys()].sort(), `visitor ${i}: every message stored, once`);
      const shown = [...seen[i].values()];
      assert.equal(new Set(shown).size, shown.length, `visitor ${i}: the client shows each message once`);
      assert.deepEqual([...shown].sort(), [...mine].sort(), `visitor ${i}: the client shows every message`);
      for (const [cid, seq] of acked[i]) assert.equal(stored.find((m) => m.client_id === cid).seq, seq, 'acked seq kept');
    }
    for (const c of [...ops, ...vs, ...back]) c.close();
  } finally {
    await srv.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a reconnect storm: 2,000 visitors come back at once after a restart and every one resumes as itself', { timeout: 120000 }, async () => {
  const N = 2000;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'otk-storm-'));
  let srv = await startServer({ dataDir });
  try {
    const first = [];
    for (let i = 0; i < N; i += 200) {
      first.push(...await Promise.all(Array.from({ length: Math.min(200, N - i) }, () => visitor(srv.url))));
    }
    // A tenth of them have a conversation to come back to.
    const withChat = first.filter((_, i) => i % 10 === 0);
    for (const [i, v] of withChat.entries()) v.send({ type: 'send', client_id: `s${i}`, text: `storm ${i}` });
    const convs = await Promise.all(withChat.map((v) => v.pick((f) => f.type === 'ack', 10000, 'ack')));
    const tokens = first.map((v) => v.welcome.visitor);
    await srv.stop();  // SIGTERM: every socket closed with 1001
    await Promise.all(first.map((v) => v.closedPromise));
    srv = await startServer({ dataDir });
    const started = Date.now();
    const back = await Promise.all(tokens.map((token) => visitor(srv.url, { token })));  // all at once
    const seconds = (Date.now() - started) / 1000;
    assert.equal(back.length, N);
    for (const [i, v] of back.entries()) assert.equal(v.welcome.visitor, tokens[i], 'the same visitor, not a new one');
    for (const [j, ack] of convs.entries()) {
      assert.deepEqual(back[j * 10].welcome.conversation, { id: ack.conversation, last_seq: 1, bot: false });
    }
    console.log(`${N} visitors back in ${seconds.toFixed(2)} s`);
    for (const v of back) v.close();
  } finally {
    await srv.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
