// SIPp phones for tests: one process per phone, playing a scenario of server/src/telephony/scenarios as a UAS
// for one call on its own free loopback UDP port.
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../../web/e2e/fixture.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const scenarios = path.resolve(here, '../../src/telephony/scenarios');

export async function freeUdpPort() {
  const s = createSocket('udp4');
  await new Promise((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

async function udpPortTaken(port) {
  const s = createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => resolve(true));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

/** One SIPp process playing a scenario as a UAS for one call; `done` resolves with its exit code. */
export async function sipp(dir, name, scenario) {
  const port = await freeUdpPort();
  const proc = spawn('sipp', ['-sf', path.join(scenarios, scenario), '-i', '127.0.0.1', '-p', String(port), '-m', '1',
    '-nostdin', '-timeout', '30s', '-timeout_error', '-default_behaviors', 'abortunexp',
    '-trace_err', '-error_file', path.join(dir, `${name}.err`)], { stdio: 'ignore' });
  const done = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 150 && !(await udpPortTaken(port)); i++) await new Promise((r) => setTimeout(r, 20));
  return { port, done, proc, errors: () => (existsSync(path.join(dir, `${name}.err`)) ? readFileSync(path.join(dir, `${name}.err`), 'utf8') : '') };
}

/** A site's callback settings (docs/callback.md) ringing one SIPp operator and dialling visitors at a SIPp trunk. */
export function callbackSettings({ operatorPort, trunkPort, minTimeOnPage = 0 }) {
  return JSON.stringify({
    enabled: true,
    region: 'RU',
    plan: { operators: [`sip:operator@127.0.0.1:${operatorPort}`], strategy: 'in_turn', operator_ring_ms: 5000,
      rounds: 1, visitor_ring_ms: 10000 },
    trunk: { domain: `127.0.0.1:${trunkPort}`, caller_id: '+74951234567', display_name: 'Shop' },
    fraud: { min_time_on_page_ms: minTimeOnPage },
    billing: { per_minute: 300, first_seconds: 30, step_seconds: 6 },
  });
}

/** Starts the server with its SIP engine on a free loopback UDP port. A port found free can be taken before the
 *  server binds it (tests run in parallel): then it tries another, up to three times. */
export async function startServerWithSip(options) {
  for (let attempt = 1; ; attempt++) {
    const sip = `sip:127.0.0.1:${await freeUdpPort()};transport=udp`;
    try {
      return await startServer({ ...options, extraArgs: [...(options.extraArgs ?? []), '--sip', sip] });
    } catch (e) {
      if (attempt >= 3 || !/Address already in use/.test(String(e.message))) throw e;
    }
  }
}
