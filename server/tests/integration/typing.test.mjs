// The typing preview: off by default, so operators learn only that the visitor types; a site owner may turn it on,
// and then the draft goes along (the widget tells the visitor so).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, otklikBin } from '../../../web/e2e/fixture.mjs';
import { visitor, login, operator } from './client.mjs';

const origin = 'https://shop.example';
let srv, dir, op;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'otk-typing-'));
  const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
  cli('site', 'add', '--account', 'Shop', '--key', 'private', '--name', 'Private', '--origin', origin);
  cli('site', 'add', '--account', 'Shop', '--key', 'preview', '--name', 'Preview', '--origin', origin, '--typing-preview', 'true');
  cli('user', 'add', '--account', 'Shop', '--email', 'alice@shop.example', '--name', 'Alice', '--site', 'private',
    '--site', 'preview', '--password', 'secret');
  srv = await startServer({ dataDir: dir, demo: false });
  op = await operator(srv.url, await login(srv.url, 'alice@shop.example', 'secret'));
});
after(async () => { op.close(); await srv.stop(); rmSync(dir, { recursive: true, force: true }); });

async function typesDraft(site) {
  const v = await visitor(srv.url, { site, origin });
  v.send({ type: 'send', client_id: `${site}1`, text: 'Здравствуйте' });
  const ack = await v.pick((f) => f.type === 'ack', 5000, 'ack');
  v.send({ type: 'typing', active: true, text: 'Мой номер заказа 4471, а' });
  const frame = await op.pick((f) => f.type === 'typing' && f.conversation === ack.conversation, 5000, 'typing');
  v.close();
  return frame;
}

test('by default operators see only that the visitor is typing, never the draft', async () => {
  const frame = await typesDraft('private');
  assert.equal(frame.active, true);
  assert.equal(frame.text, undefined);
  assert.doesNotMatch(await (await fetch(`${srv.url}/widget.js?site=private`)).text(), /"typing_preview":true/);
});

test('where the owner turned the preview on, the draft goes to the operators and the widget is told', async () => {
  const frame = await typesDraft('preview');
  assert.equal(frame.text, 'Мой номер заказа 4471, а');
  assert.match(await (await fetch(`${srv.url}/widget.js?site=preview`)).text(), /"typing_preview":true/);
});
