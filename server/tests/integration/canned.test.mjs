// Canned replies over REST: everyone reads their account's, only owners, admins and supervisors write, every
// field is checked, and another account sees none of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, otklikBin } from '../../../web/e2e/fixture.mjs';
import { login } from './client.mjs';

let srv, dir, owner, anna, other;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'otk-canned-'));
  const cli = (...args) => execFileSync(otklikBin, [...args, '--data', dir], { encoding: 'utf8' });
  cli('site', 'add', '--account', 'Other', '--key', 'other', '--name', 'Other', '--origin', 'https://other.example');
  cli('user', 'add', '--account', 'Other', '--email', 'olga@other.example', '--name', 'Olga', '--role', 'owner',
    '--site', 'other', '--password', 'secret');
  srv = await startServer({ dataDir: dir });
  owner = await login(srv.url);
  anna = await login(srv.url, 'anna@example.com', 'demo');
  other = await login(srv.url, 'olga@other.example', 'secret');
});
after(async () => { await srv.stop(); rmSync(dir, { recursive: true, force: true }); });

const call = (s, method, p, body) => fetch(`${srv.url}/api/v1/canned${p}`, {
  method, headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf, ...(body ? { 'Content-Type': 'application/json' } : {}) },
  body: body ? JSON.stringify(body) : undefined,
});

test('the demo starts with replies; an owner adds, changes and removes one; an operator may only read', async () => {
  const start = await (await call(anna, 'GET', '')).json();
  assert.ok(start.canned.some((c) => c.shortcut === 'доставка'), 'seeded by the demo');
  const added = await call(owner, 'POST', '', { shortcut: '/Возврат', text: 'Вернуть можно в течение 14 дней, {visitor.name}.' });
  assert.equal(added.status, 200);
  const { canned } = await added.json();
  assert.equal(canned.shortcut, 'возврат');
  const changed = await (await call(owner, 'POST', '', { shortcut: 'возврат', text: 'Вернуть можно в течение 30 дней.' })).json();
  assert.equal(changed.canned.id, canned.id, 'same shortcut, same reply');
  assert.equal((await call(anna, 'POST', '', { shortcut: 'mine', text: 'x' })).status, 403);
  assert.equal((await call(anna, 'DELETE', `/${canned.id}`)).status, 403);
  assert.equal((await call(owner, 'DELETE', `/${canned.id}`)).status, 204);
  assert.equal((await call(owner, 'DELETE', `/${canned.id}`)).status, 404);
});

test('bad replies are refused with the field named; another account sees and touches nothing', async () => {
  for (const [body, why] of [[{ shortcut: 'two words', text: 'x' }, /'shortcut'/], [{ shortcut: 'ok', text: '  ' }, /'text'/],
    [{ shortcut: 'ok', text: 'Привет, {visitr.name}' }, /\{visitr\.name\}/], [{ shortcut: 'ok' }, /body must be/]]) {
    const res = await call(owner, 'POST', '', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match((await res.json()).error.message, why);
  }
  const noCsrf = await fetch(`${srv.url}/api/v1/canned`, { method: 'POST', headers: { Cookie: owner.cookie, 'Content-Type': 'application/json' },
    body: JSON.stringify({ shortcut: 'x', text: 'y' }) });
  assert.equal(noCsrf.status, 403);
  const theirs = await (await call(other, 'GET', '')).json();
  assert.deepEqual(theirs.canned, []);
  const demoReply = (await (await call(owner, 'GET', '')).json()).canned[0];
  assert.equal((await call(other, 'DELETE', `/${demoReply.id}`)).status, 404);
  const demoShop = (await (await fetch(`${srv.url}/api/v1/me`, { headers: { Cookie: owner.cookie } })).json()).sites[0].id;
  const foreignSite = await call(other, 'POST', '', { shortcut: 'x', text: 'y', site: demoShop });
  assert.equal(foreignSite.status, 404, 'a site of another account');
});
