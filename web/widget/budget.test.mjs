// The widget is a guest on someone else's page: its byte budget is part of the contract.
// Loader ≤ 5 KiB gzipped, chat UI ≤ 30 KiB gzipped (measured on the minified build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = process.env.OTK_WEB || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../build/web');
const gz = (file) => gzipSync(readFileSync(path.join(web, file)), { level: 9 }).length;

test('loader fits in 5 KiB gzipped', () => {
  const n = gz('widget.js');
  console.log(`widget.js: ${n} bytes gzipped`);
  assert.ok(n <= 5 * 1024, `${n} > 5120`);
});

test('chat UI fits in 30 KiB gzipped', () => {
  const n = gz('widget-ui.js');
  console.log(`widget-ui.js: ${n} bytes gzipped`);
  assert.ok(n <= 30 * 1024, `${n} > 30720`);
});
