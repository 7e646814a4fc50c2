// The OpenAPI document (docs/openapi.json, served at /api/v1/openapi.json) against the real server and the prose
// docs: the served document is the file; it is OpenAPI 3 and whole (every $ref resolves, every path parameter is
// declared, every operation answers something); the server routes every documented operation, without
// credentials (401 for the operator API, a documented answer for the public and widget ones) and with an owner's
// session (never "no such endpoint", "method not allowed" or an undocumented status); and every endpoint row of
// the Markdown tables in docs/*.md has its operation in the document. With the session, what comes back must also
// have the documented shape (required keys, types, enums).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../../web/e2e/fixture.mjs';
import { login, visitor } from './client.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

// Operations documented before their routes are on this branch (reports and statements come from a parallel
// branch). The server must still answer them with "no such endpoint"; once it routes one, this test says to take
// it off the list, so the list never hides a real gap for long.
const PENDING_ROUTES = new Set([]);

// What the server answers for a path or method it does not route (app.cpp and the handlers that route sub-paths).
const ROUTE_MISS = [
  { status: 404, message: 'no such endpoint' },
  { status: 404, message: 'not found' },
  { status: 404, message: 'no such export' },
  { status: 400, message: 'method not allowed' },
];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const file = JSON.parse(readFileSync(path.join(root, 'docs', 'openapi.json'), 'utf8'));
let srv, doc, owner;

before(async () => {
  srv = await startServer();
  const res = await fetch(`${srv.url}/api/v1/openapi.json`);
  assert.equal(res.status, 200);
  doc = await res.json();
  owner = await login(srv.url);
  // One of each object with id 1, so that the session's pass reads real ones and checks their shapes: a webhook
  // endpoint (it gets a delivery of lead.created), a conversation with a message, a lead, a token, an entry.
  const call = (method, p, body) => fetch(`${srv.url}${p}`, { method, body: JSON.stringify(body),
    headers: { Cookie: owner.cookie, 'X-CSRF-Token': owner.csrf, 'Content-Type': 'application/json' } });
  const me = await (await call('GET', '/api/v1/me')).json();
  const shop = me.sites.find((x) => x.key === 'demo-shop').id;
  const hook = { site: shop, url: 'http://127.0.0.1:9/hook', events: ['lead.created'] };
  const made = await call('POST', '/api/v1/webhooks', hook);
  assert.equal(made.status, 201);
  const v = await visitor(srv.url, { site: 'demo-shop' });
  v.send({ type: 'send', client_id: 'm1', text: 'Здравствуйте! Напишите мне на petr@example.ru' });
  await v.pick((f) => f.type === 'ack', 5000, 'ack');
  v.close();
  assert.equal((await call('POST', '/api/v1/tokens', { name: 'CRM' })).status, 201);
  const entry = { question: 'Сколько стоит доставка?', answer: '300 ₽' };
  assert.equal((await call('POST', '/api/v1/sites/demo-shop/kb', entry)).status, 201);
  const leads = await (await call('GET', '/api/v1/leads')).json();
  assert.deepEqual(leads.leads.map((l) => l.id), [1], 'the message left a lead');
});
after(async () => { await srv.stop(); });

/** Resolves a local $ref ("#/components/...") in the document; throws for anything else. */
function resolve(ref) {
  assert.ok(typeof ref === 'string' && ref.startsWith('#/'), `only local $refs: ${ref}`);
  let node = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    assert.ok(node && typeof node === 'object' && Object.hasOwn(node, key), `$ref ${ref} does not resolve`);
    node = node[key];
  }
  return node;
}
const deref = (x) => (x && x.$ref ? deref(resolve(x.$ref)) : x);

/** Every operation: {method, path, op, params (path-level and operation-level, resolved), key "GET /path"}. */
function operations() {
  const out = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = [...(item.parameters || []), ...(op.parameters || [])].map(deref);
      out.push({ method: method.toUpperCase(), path: p, op, params, key: `${method.toUpperCase()} ${p}` });
    }
  }
  return out;
}

const operatorSecured = (op) => (op.security ?? doc.security ?? [])
  .some((req) => Object.hasOwn(req, 'session') || Object.hasOwn(req, 'apiToken'));

/** A request for an operation: path parameters and required query parameters from their examples (else 1), a
 *  minimal body of the documented type ("{}" for JSON), and the server's own Origin (the demo sites allow it). */
function request(o, headers = {}) {
  const example = (p) => p.example ?? deref(p.schema)?.example ?? 1;
  let url = o.path;
  for (const p of o.params.filter((x) => x.in === 'path')) url = url.replace(`{${p.name}}`, encodeURIComponent(example(p)));
  const query = o.params.filter((x) => x.in === 'query' && x.required)
    .map((p) => `${p.name}=${encodeURIComponent(example(p))}`);
  if (query.length) url += `?${query.join('&')}`;
  const h = { Origin: srv.url, ...headers };
  let body;
  const content = o.op.requestBody && Object.keys(o.op.requestBody.content || {})[0];
  if (content) {
    h['Content-Type'] = content;
    body = content === 'application/json' || content === 'text/plain' ? '{}' : '';
  }
  return fetch(`${srv.url}${url}`, { method: o.method, headers: h, body });
}

async function answer(res) {
  const text = await res.text();
  let body = null;
  try { body = JSON.parse(text); } catch { /* a file, CSV or metrics */ }
  return { status: res.status, body, text: text.slice(0, 300) };
}

/** The places where a value breaks its schema (required keys, types, enums, nullable, items, allOf/oneOf):
 *  a small check of what the document promises, not a full JSON Schema validator. */
function mismatches(value, schema, at = '$') {
  schema = deref(schema);
  if (!schema) return [];
  if (value === null) return schema.nullable ? [] : [`${at}: null`];
  const out = [];
  for (const s of schema.allOf || []) out.push(...mismatches(value, s, at));
  if (schema.oneOf && !schema.oneOf.some((s) => mismatches(value, s, at).length === 0)) out.push(`${at}: none of oneOf`);
  const types = { integer: Number.isInteger, number: (v) => typeof v === 'number', string: (v) => typeof v === 'string',
    boolean: (v) => typeof v === 'boolean', array: Array.isArray,
    object: (v) => typeof v === 'object' && !Array.isArray(v) };
  if (schema.type && !types[schema.type](value)) return [...out, `${at}: not ${schema.type} (${JSON.stringify(value)})`];
  if (schema.enum && !schema.enum.includes(value)) out.push(`${at}: ${JSON.stringify(value)} not in the enum`);
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => out.push(...mismatches(v, schema.items, `${at}[${i}]`)));
  if (schema.type === 'object') {
    for (const k of schema.required || []) if (!Object.hasOwn(value, k)) out.push(`${at}.${k}: missing`);
    for (const [k, v] of Object.entries(value)) {
      if (!schema.properties || !Object.hasOwn(schema.properties, k)) continue;
      out.push(...mismatches(v, schema.properties[k], `${at}.${k}`));
    }
  }
  return out;
}

const errorShape = (o, a) => mismatches(a.body, { $ref: '#/components/schemas/Error' }).map((m) => `${o.key}: ${m}`);

const routeMissing = (a) => a.status === 405 ||
  ROUTE_MISS.some((m) => m.status === a.status && a.body?.error?.message === m.message);

test('the served document is docs/openapi.json, as JSON, cacheable', async () => {
  assert.deepEqual(doc, file, 'the binary serves the docs/openapi.json it was built with: rebuild');
  const res = await fetch(`${srv.url}/api/v1/openapi.json`);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.match(res.headers.get('cache-control'), /public/);
  const etag = res.headers.get('etag');
  assert.ok(etag);
  const again = await fetch(`${srv.url}/api/v1/openapi.json`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
});

test('the document is OpenAPI 3 and whole: $refs resolve, parameters are declared, operations answer', () => {
  assert.match(doc.openapi, /^3\.[01]\.\d+$/);
  assert.ok(doc.info?.title && doc.info?.version);
  assert.ok(Object.keys(doc.paths).length > 0);
  // Every $ref anywhere resolves.
  const walk = (node, where) => {
    if (Array.isArray(node)) node.forEach((x, i) => walk(x, `${where}/${i}`));
    else if (node && typeof node === 'object') {
      if (Object.hasOwn(node, '$ref')) resolve(node.$ref);
      for (const [k, v] of Object.entries(node)) walk(v, `${where}/${k}`);
    }
  };
  walk(doc, '#');
  const schemes = Object.keys(doc.components.securitySchemes);
  const tags = new Set(doc.tags.map((t) => t.name));
  const ids = new Set();
  for (const o of operations()) {
    assert.ok(o.op.operationId && !ids.has(o.op.operationId), `${o.key}: a unique operationId`);
    ids.add(o.op.operationId);
    const codes = Object.keys(o.op.responses || {});
    assert.ok(codes.length > 0, `${o.key} has responses`);
    for (const c of codes) assert.match(c, /^([1-5]\d\d|default)$/, `${o.key}: response ${c}`);
    for (const t of o.op.tags || []) assert.ok(tags.has(t), `${o.key}: tag ${t} is declared`);
    for (const req of o.op.security ?? doc.security) {
      for (const s of Object.keys(req)) assert.ok(schemes.includes(s), `${o.key}: security scheme ${s} exists`);
    }
    const inPath = [...o.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
    const declared = o.params.filter((p) => p.in === 'path').map((p) => p.name).sort();
    assert.deepEqual(declared, inPath, `${o.key}: path parameters`);
    for (const p of o.params.filter((x) => x.in === 'path')) {
      assert.equal(p.required, true, `${o.key}: {${p.name}} is required`);
    }
  }
  // Every error the API can name is in the Error schema's codes.
  assert.ok(resolve('#/components/schemas/Error/properties/error/properties/code').enum.includes('unauthorized'));
});

test('without credentials every operation is routed: 401 for the operator API, a documented answer otherwise', async () => {
  const problems = [];
  for (const o of operations()) {
    const a = await answer(await request(o));
    if (PENDING_ROUTES.has(o.key)) {
      if (!routeMissing(a)) problems.push(`${o.key} is routed now (${a.status}): take it off PENDING_ROUTES`);
      continue;
    }
    if (routeMissing(a)) problems.push(`${o.key}: not routed (${a.status} ${a.text})`);
    else if (operatorSecured(o.op)) {
      if (a.status !== 401 || a.body?.error?.code !== 'unauthorized') {
        problems.push(`${o.key}: ${a.status} ${a.text}, not 401`);
      }
    } else if (!Object.hasOwn(o.op.responses, String(a.status))) {
      problems.push(`${o.key}: ${a.status} is not a documented answer (${a.text})`);
    }
    if (a.status >= 400) problems.push(...errorShape(o, a));
  }
  assert.deepEqual(problems, []);
});

test("with an owner's session every operation is routed and answers a documented status and shape", async () => {
  const problems = [];
  const session = { Cookie: owner.cookie, 'X-CSRF-Token': owner.csrf };
  // Deleting comes after everything that reads or changes the objects with id 1, and logging out (it ends the
  // session the others use) last of all.
  const rank = (o) => (o.key === 'POST /api/v1/auth/logout' ? 2 : o.method === 'DELETE' ? 1 : 0);
  const all = operations().sort((a, b) => rank(a) - rank(b));
  for (const o of all) {
    const a = await answer(await request(o, session));
    if (PENDING_ROUTES.has(o.key)) {
      if (!routeMissing(a)) problems.push(`${o.key} is routed now (${a.status}): take it off PENDING_ROUTES`);
      continue;
    }
    if (routeMissing(a)) problems.push(`${o.key}: not routed (${a.status} ${a.text})`);
    else if (!Object.hasOwn(o.op.responses, String(a.status))) {
      problems.push(`${o.key}: ${a.status} is not a documented answer (${a.text})`);
    }
    // What came back has the documented shape (the error schema for errors).
    const documented = deref(o.op.responses[String(a.status)]);
    const schema = documented?.content?.['application/json']?.schema;
    if (schema && a.body) problems.push(...mismatches(a.body, schema).map((m) => `${o.key} ${a.status}: ${m}`));
    if (a.status >= 400) problems.push(...errorShape(o, a));
  }
  assert.deepEqual(problems, []);
});

/** "/api/v1/export/{leads,conversations,callbacks}.csv" -> three paths. */
function expand(p) {
  const m = p.match(/\{([^}]*,[^}]*)\}/);
  if (!m) return [p];
  return m[1].split(',').flatMap((alt) => expand(p.replace(m[0], alt.trim())));
}
const shape = (p) => p.replace(/\{[^}]*\}/g, '{}');

test('every endpoint row of the Markdown tables in docs/*.md is in the document', () => {
  const documented = new Set(operations().map((o) => `${o.method} ${shape(o.path)}`));
  const rows = [];
  const docs = path.join(root, 'docs');
  for (const name of readdirSync(docs).filter((n) => n.endsWith('.md'))) {
    for (const line of readFileSync(path.join(docs, name), 'utf8').split('\n')) {
      if (!line.startsWith('| `')) continue;
      const first = line.split(' | ')[0];  // the row's first cell
      for (const m of first.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/api\/[^`?\s]+)[^`]*`/g)) {
        for (const p of expand(m[2])) rows.push({ where: name, key: `${m[1]} ${shape(p)}` });
      }
    }
  }
  assert.ok(rows.length >= 45, `the tables were read (${rows.length} rows)`);
  const missing = rows.filter((r) => !documented.has(r.key)).map((r) => `${r.key} (${r.where})`);
  assert.deepEqual(missing, [], 'rows of docs/*.md without an operation in docs/openapi.json');
});
