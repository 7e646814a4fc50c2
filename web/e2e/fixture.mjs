// Shared fixtures for tests that need the real server and a real browser.
// startServer() runs build/otklik on a free loopback port with a fresh data directory and --demo;
// launchBrowser() starts Debian's Chromium through playwright-core. Both are stopped by the caller.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const otklikBin = process.env.OTK_BIN || path.join(root, 'build', 'otklik');
export const assetsDir = process.env.OTK_ASSETS || path.join(root, 'build', 'web');

/** Starts the server; resolves to {url, port, dataDir, proc, stop(), kill()} once it listens. */
export async function startServer({ dataDir, demo = true, extraArgs = [], keepData = false } = {}) {
  const dir = dataDir || mkdtempSync(path.join(tmpdir(), 'otk-data-'));
  // The web assets always come from the release build, also for the sanitizer binary in build-asan/.
  const args = ['serve', '--listen', '127.0.0.1:0', '--data', dir, '--assets', assetsDir, ...(demo ? ['--demo'] : []), ...extraArgs];
  const proc = spawn(otklikBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in 15 s:\n' + log)), 15000);
    const onData = (chunk) => {
      log += chunk.toString();
      const m = log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (c) => { log += c.toString(); });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${log}`)); });
  });
  proc.removeAllListeners('exit');
  let stopping = false;
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
    // A server that dies on its own (a crash, a sanitizer report) shows why, next to the failing test.
    if (!stopping) process.stderr.write(`otklik exited unexpectedly (${code ?? signal}):\n${log}\n`);
    resolve({ code, signal });
  }));
  const url = `http://127.0.0.1:${port}`;
  return {
    url, port, dataDir: dir, proc, log: () => log,
    /** SIGTERM and wait for a clean exit; removes the data directory unless keepData */
    async stop() {
      stopping = true;
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const r = await exited;
      if (!keepData && !dataDir) rmSync(dir, { recursive: true, force: true });
      return r;
    },
    /** SIGKILL: the crash case */
    async kill() {
      stopping = true;
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      return exited;
    },
  };
}

export const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: chromiumArgs });
}

/** Logs in through the REST API inside a fresh browser context and returns the page at /console/. */
export async function demoOperatorPage(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url + '/console/');
  return { context, page };
}

export const demo = { email: 'demo@example.com', password: 'demo' };

/** A fresh browser context (`context`: its options) logged in through the console's form as `email`; resolves
 *  when the console is up. `timeout`: the context's default for every wait (Playwright's 30 s when 0). */
export async function consoleLogin(browser, url, { email = demo.email, password = demo.password, context = {}, timeout = 0 } = {}) {
  const ctx = await browser.newContext(context);
  if (timeout) ctx.setDefaultTimeout(timeout);
  const page = await ctx.newPage();
  await page.goto(`${url}/console/`);
  await page.getByLabel('Эл. почта').fill(email);
  await page.getByLabel('Пароль').fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('button', { name: 'Выйти' }).waitFor();
  return { ctx, page };
}

/** A real, decodable RGBA PNG of one colour. */
export function png(width, height, [r, g, b]) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array(width).fill([r, g, b, 255]).flat())]);
  const raw = Buffer.concat(Array(height).fill(row));
  return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0))]);
}
