// Labels on conversations: put on and taken off by any operator of the site, seen by the others at once and in
// every summary, bounded and checked, and invisible to another account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, otklikBin } from '../../../web/e2e/fixture.mjs';
import { visitor, login, operator } from './client.mjs';

let srv, dir;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'otk-labels-'));
  const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
  cli('site', 'add', '--account', 'Other', '--key', 'other', '--name', 'Other', '--origin', 'https://other.example');
  cli('user', 'add', '--account', 'Other', '--email', 'olga@other.example', '--name', 'Olga', '--site', 'other', '--password', 'secret');
  srv = await startServer({ dataDir: dir });
});
after(async () => { await srv.stop(); rmSync(dir, { recursive: true, force: true }); });

test('a label reaches the site\'s other operators and every summary; bad ones are refused; others see nothing', async () => {
  const demo = await operator(srv.url, await login(srv.url));
  const anna = await operator(srv.url, await login(srv.url, 'anna@example.com', 'demo'));
  const olga = await operator(srv.url, await login(srv.url, 'olga@other.example', 'secret'));
  const v = await visitor(srv.url);
  v.send({ type: 'send', client_id: 'l1', text: 'Хочу вернуть плед' });
  const conv = (await v.pick((f) => f.type === 'ack', 5000, 'ack')).conversation;

  demo.send({ type: 'label', conversation: conv, label: '  возврат ', on: true });
  assert.deepEqual((await anna.pick((f) => f.type === 'labels', 5000, 'labels')).labels, ['возврат']);
  demo.send({ type: 'label', conversation: conv, label: 'VIP', on: true });
  demo.send({ type: 'label', conversation: conv, label: 'VIP', on: true });  // twice is once
  await anna.pick((f) => f.type === 'labels' && f.labels.length === 2, 5000, 'two labels');
  const again = await operator(srv.url, await login(srv.url, 'anna@example.com', 'demo'));
  assert.deepEqual(again.welcome.conversations.find((c) => c.id === conv).labels, ['VIP', 'возврат']);

  demo.send({ type: 'label', conversation: conv, label: 'x'.repeat(33), on: true });
  assert.match((await demo.pick((f) => f.type === 'error', 5000, 'error')).message, /'label'/);
  for (let i = 0; i < 9; i++) demo.send({ type: 'label', conversation: conv, label: `l${i}`, on: true });
  const full = await demo.pick((f) => f.type === 'error', 5000, 'limit');
  assert.equal(full.code, 'conflict');

  olga.send({ type: 'label', conversation: conv, label: 'mine', on: true });
  assert.equal((await olga.pick((f) => f.type === 'error', 5000, 'error')).code, 'not_found');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(olga.frames.filter((f) => f.type === 'labels').length, 0);

  demo.send({ type: 'label', conversation: conv, label: 'VIP', on: false });
  await anna.pick((f) => f.type === 'labels' && !f.labels.includes('VIP'), 5000, 'VIP off');
  for (const c of [demo, anna, again, olga, v]) c.close();
});
