// The orchestrator of ./scripts/bench: runs every scenario of the load driver (otk_load) against a fresh
// Otklik server and against the reference relay (bench/reference/relay.mjs), reads the servers' memory and
// CPU time from /proc, and writes a Markdown table beside the issue's targets. It reports; it never asserts.
//
//   node bench/run.mjs --otklik build-bench/otklik --driver build-bench/server/bench/otk_load \
//        [--out build-bench/results.md] [--json build-bench/results.json] [--quick] [--only otklik|reference]
//
// Sizes come from the environment (defaults in `sizes` below), e.g. BENCH_CLIENTS=15000 BENCH_RELAY_VISITORS=2000;
// BENCH_SCENARIOS=connect,relay,latency,latency_low picks scenarios (connect includes memory and restart).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const flag = (name) => args.includes(name);
const otklikBin = path.resolve(opt('--otklik', path.join(root, 'build-bench/otklik')));
const driverBin = path.resolve(opt('--driver', path.join(root, 'build-bench/server/bench/otk_load')));
const outMd = path.resolve(opt('--out', path.join(root, 'build-bench/results.md')));
const outJson = path.resolve(opt('--json', path.join(root, 'build-bench/results.json')));
const only = opt('--only', '');
const quick = flag('--quick');
const env = (k, d) => (process.env[k] !== undefined ? Number(process.env[k]) : d);

const sizes = {
  clients: env('BENCH_CLIENTS', quick ? 3000 : 15000),          // connect + restart
  perProc: env('BENCH_PER_PROC', 5000),                         // connections per driver process
  concurrency: env('BENCH_CONCURRENCY', 64),                    // handshakes in flight per driver process
  relayVisitors: env('BENCH_RELAY_VISITORS', quick ? 1000 : 2000),
  relaySeconds: env('BENCH_RELAY_SECONDS', quick ? 5 : 15),
  operators: env('BENCH_OPERATORS', 2),
  latencyRate: env('BENCH_LATENCY_RATE', 10000),
  latencyVisitors: env('BENCH_LATENCY_VISITORS', 1000),
  latencySeconds: env('BENCH_LATENCY_SECONDS', quick ? 5 : 15),
  latencyLowRate: env('BENCH_LATENCY_LOW_RATE', 2000),          // a second latency run below saturation (0: skip)
  restartSignal: process.env.BENCH_RESTART_SIGNAL || 'SIGTERM',
  helloPage: env('BENCH_HELLO_PAGE', 0),                        // 1: hello carries `page`, like the widget
};
const site = 'bench';
const origin = 'http://bench.local';
const opPassword = 'bench-password';
const work = mkdtempSync(path.join(os.tmpdir(), 'otk-bench-'));
const log = (...a) => console.error('[bench]', ...a);
// Servers and drivers die with the orchestrator (Ctrl-C, a timeout), and its scratch directory goes too.
const children = new Set();
const track = (proc) => { children.add(proc); proc.on('exit', () => children.delete(proc)); return proc; };
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); rmSync(work, { recursive: true, force: true }); });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

// ------------------------------------------------------------------------------------------ /proc

function rssKiB(pid, field = 'VmRSS') {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`));
  return m ? Number(m[1]) : NaN;
}
const clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
/** user + system CPU seconds of a process (all its threads); sys alone with which = 'sys' */
function cpuSeconds(pid, which = 'all') {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (which === 'sys' ? Number(f[12]) : Number(f[11]) + Number(f[12])) / clkTck;
}
const mono = () => process.hrtime.bigint(); // CLOCK_MONOTONIC, as the driver's steady_clock
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------ servers

class Server {
  constructor(kind) { this.kind = kind; this.port = 0; this.proc = null; this.log = ''; }

  prepare() {
    if (this.kind !== 'otklik') return;
    this.dir = mkdtempSync(path.join(work, 'otklik-'));
    this.data = path.join(this.dir, 'data');
    this.assets = path.join(this.dir, 'assets'); // empty: the bench needs no widget or console
    mkdirSync(this.assets);
    const run = (a) => execFileSync(otklikBin, a, { stdio: ['ignore', 'ignore', 'inherit'] });
    run(['site', 'add', '--data', this.data, '--account', 'Bench', '--key', site, '--name', 'Bench', '--origin', origin, '--lang', 'en']);
    for (let i = 1; i <= sizes.operators; i++) {
      run(['user', 'add', '--data', this.data, '--account', 'Bench', '--email', `bench-op${i}@bench.local`, '--name', `Operator ${i}`,
        '--role', 'operator', '--site', site, '--password', opPassword, '--chat-limit', '100']);
    }
  }

  async start() {
    const listen = `127.0.0.1:${this.port}`;
    const [cmd, a] = this.kind === 'otklik'
      ? [otklikBin, ['serve', '--listen', listen, '--data', this.data, '--assets', this.assets]]
      : [process.execPath, [path.join(root, 'bench/reference/relay.mjs'), '--listen', listen, '--site', site, '--origin', origin]];
    const proc = track(spawn(cmd, a, { stdio: ['ignore', 'pipe', 'pipe'] }));
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
    let onEarlyExit;
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.kind} did not start in 30 s:\n${this.log}`)), 30000);
      const onData = (c) => {
        this.log += c.toString();
        if (this.log.length > 100000) this.log = this.log.slice(-50000);
        const m = this.log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      onEarlyExit = (code) => { clearTimeout(timer); reject(new Error(`${this.kind} exited with ${code}:\n${this.log}`)); };
      proc.once('exit', onEarlyExit);
    });
    proc.removeListener('exit', onEarlyExit);
    this.port = port;
    this.log = '';
    return port;
  }

  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill(signal);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 20000);
    await this.exited;
    clearTimeout(t);
  }

  get pid() { return this.proc.pid; }
}

/** Otklik's group-commit figures from /metrics (null for the reference). */
async function commitStats(s) {
  if (s.kind !== 'otklik') return null;
  try {
    const text = await (await fetch(`http://127.0.0.1:${s.port}/metrics`)).text();
    const num = (re) => Number((text.match(re) || [])[1]);
    return { count: num(/^otk_commit_seconds_count (\S+)/m), sum: num(/^otk_commit_seconds_sum (\S+)/m), jobs: num(/^otk_commit_jobs_total (\S+)/m) };
  } catch { return null; }
}

// ------------------------------------------------------------------------------------------ driver

function driver(port, scenario, extra) {
  const a = ['--scenario', scenario, '--port', String(port), '--site', site, '--origin', origin,
    '--per-proc', String(sizes.perProc), '--concurrency', String(sizes.concurrency),
    '--op-email', 'bench-op{i}@bench.local', '--op-password', opPassword, '--hello-page', String(sizes.helloPage), ...extra];
  const proc = track(spawn(driverBin, a, { stdio: ['pipe', 'pipe', 'pipe'] }));
  const lines = [];
  const waiters = [];
  let stderr = '';
  proc.stderr.on('data', (c) => { stderr += c.toString(); process.stderr.write(c); });
  readline.createInterface({ input: proc.stdout }).on('line', (line) => {
    let j;
    try { j = JSON.parse(line); } catch { return; }
    lines.push(j);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise((resolve) => proc.on('exit', (code) => { for (const w of waiters.splice(0)) w(); resolve(code); }));
  let done = false;
  exited.then(() => { done = true; });
  return {
    proc,
    exited,
    stderr: () => stderr,
    /** the first line matching pred (waits up to ms) */
    async next(pred, ms, what) {
      const deadline = Date.now() + ms;
      for (;;) {
        const i = lines.findIndex(pred);
        if (i >= 0) return lines.splice(i, 1)[0];
        if (done) throw new Error(`driver exited while waiting for ${what}:\n${stderr.slice(-2000)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => { const t = setTimeout(r, left); waiters.push(() => { clearTimeout(t); r(); }); });
      }
    },
    release() { proc.stdin.end(); },
  };
}

// ------------------------------------------------------------------------------------------ scenarios

async function scenarioConnectRestart(kind) {
  const s = new Server(kind);
  s.prepare();
  await s.start();
  await sleep(1500);
  const idleRss = rssKiB(s.pid);
  const idleAnon = rssKiB(s.pid, 'RssAnon');
  const cpu0 = cpuSeconds(s.pid);
  log(`${kind}: idle RSS ${(idleRss / 1024).toFixed(1)} MiB; opening ${sizes.clients} connections`);
  const d = driver(s.port, 'restart', ['--visitors', String(sizes.clients), '--restart-timeout', '60']);
  const connect = await d.next((j) => j.scenario === 'connect', 600000, 'connect');
  const cpu1 = cpuSeconds(s.pid);
  await d.next((j) => j.event === 'held', 10000, 'held');
  await sleep(2000); // let the last handshakes' garbage settle
  const heldRss = rssKiB(s.pid);
  const heldAnon = rssKiB(s.pid, 'RssAnon');
  log(`${kind}: ${connect.ok} held, RSS ${(heldRss / 1024).toFixed(1)} MiB; restarting with ${sizes.restartSignal}`);
  const tKill = mono();
  s.proc.kill(sizes.restartSignal);
  await s.exited;
  const tExit = mono();
  await s.start();
  const tListen = mono();
  const restart = await d.next((j) => j.scenario === 'restart', 120000, 'restart');
  d.release();
  await d.exited;
  await s.stop();
  const ms = (a, b) => Number(b - a) / 1e6;
  const lastBack = BigInt(restart.last_back_ns || 0);
  return {
    idle_rss_kib: idleRss,
    idle_anon_kib: idleAnon,
    held_rss_kib: heldRss,
    held_anon_kib: heldAnon,
    driver_cpu_s: connect.driver_cpu_s,
    clients: connect.clients,
    held: connect.ok,
    connect_failed: connect.failed,
    fail_reasons: connect.fail_reasons,
    per_conn_kib: (heldRss - idleRss) / Math.max(1, connect.ok),
    handshakes_per_s: connect.handshakes_per_s,
    connect_seconds: connect.seconds,
    connect_cpu_s: cpu1 - cpu0,
    handshakes_per_cpu_s: connect.ok / Math.max(1e-9, cpu1 - cpu0),
    restart_signal: sizes.restartSignal,
    restart_clients: restart.clients,
    restart_back: restart.back,
    restart_timed_out: restart.timed_out,
    restart_attempts: restart.attempts,
    shutdown_ms: ms(tKill, tExit),
    down_ms: ms(tKill, tListen),
    all_back_after_kill_ms: lastBack > 0n ? ms(tKill, lastBack) : null,
    all_back_after_listen_ms: lastBack > 0n ? ms(tListen, lastBack) : null,
  };
}

async function scenarioMessages(kind, scenario, rate = sizes.latencyRate) {
  const s = new Server(kind);
  s.prepare();
  await s.start();
  const extra = scenario === 'relay'
    ? ['--visitors', String(sizes.relayVisitors), '--operators', String(sizes.operators), '--duration', String(sizes.relaySeconds)]
    : ['--visitors', String(sizes.latencyVisitors), '--operators', String(sizes.operators), '--duration', String(sizes.latencySeconds),
      '--rate', String(rate)];
  log(`${kind}: ${scenario} ${extra.join(' ')}`);
  // Two visitor processes for the two cores (at most --per-proc connections each).
  const visitors = scenario === 'relay' ? sizes.relayVisitors : sizes.latencyVisitors;
  extra.push('--per-proc', String(Math.min(sizes.perProc, Math.ceil(visitors / 2))));
  const d = driver(s.port, scenario, extra);
  const ready = await d.next((j) => j.event === 'ready', 600000, 'ready');
  const m0 = await commitStats(s);
  const cpu0 = cpuSeconds(s.pid);
  const sys0 = cpuSeconds(s.pid, 'sys');
  const r = await d.next((j) => j.scenario === scenario, 600000, scenario);
  const cpu1 = cpuSeconds(s.pid);
  const sys1 = cpuSeconds(s.pid, 'sys');
  const rss = rssKiB(s.pid);
  const m1 = await commitStats(s);
  d.release();
  await d.exited;
  await s.stop();
  const commits = m0 && m1 ? {
    commits: m1.count - m0.count,
    avg_jobs_per_commit: (m1.jobs - m0.jobs) / Math.max(1, m1.count - m0.count),
    avg_commit_ms: (1000 * (m1.sum - m0.sum)) / Math.max(1, m1.count - m0.count),
  } : null;
  return { ...r, ready, server_cpu_s: cpu1 - cpu0, server_sys_s: sys1 - sys0, server_cores: (cpu1 - cpu0) / (r.seconds || 1), server_rss_kib: rss, commits };
}

// ------------------------------------------------------------------------------------------ table

const fmt = (v, digits = 1) => (v === null || v === undefined || Number.isNaN(v) ? 'n/a'
  : typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 }) : String(v));
const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b !== 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : 'n/a');
const met = (ok) => (ok === null || ok === undefined ? '—' : ok ? 'yes' : '**no**');

function machine() {
  const sh = (c, a) => { try { return execFileSync(c, a).toString().trim(); } catch { return '?'; } };
  return {
    nproc: os.cpus().length,
    cpu: os.cpus()[0]?.model || '?',
    ram_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
    kernel: os.release(),
    gxx: sh('g++', ['-dumpfullversion']),
    node: process.version,
    load_before: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    date: new Date().toISOString(),
  };
}

function table(res, m) {
  const o = res.otklik || {};
  const r = res.reference || {};
  const oc = o.connect || {}, rc = r.connect || {};
  const orl = o.relay || {}, rrl = r.relay || {};
  const ol = o.latency || {}, rl = r.latency || {};
  const oll = o.latency_low || {}, rll = r.latency_low || {};
  const rows = [];
  const row = (name, a, b, target, ok, digits = 1, ratioOk = true) =>
    rows.push(`| ${name} | ${fmt(a, digits)} | ${fmt(b, digits)} | ${ratioOk ? ratio(a, b) : '—'} | ${target} | ${met(ok)} |`);
  const mib = (k) => (k === undefined ? undefined : k / 1024);
  const lt = (a, b) => (typeof a === 'number' ? a <= b : null);
  row('Server idle RSS, MiB', mib(oc.idle_rss_kib), mib(rc.idle_rss_kib), '≤ 15 MB', lt(mib(oc.idle_rss_kib), 15));
  row('… of which anonymous memory (heap, stacks; the rest is mapped code of the binary and shared libraries), MiB', mib(oc.idle_anon_kib), mib(rc.idle_anon_kib), '—', null);
  row(`Idle visitor connections held (of ${sizes.clients})`, oc.held, rc.held, '—', null, 0);
  row('Server RSS with them held, MiB', mib(oc.held_rss_kib), mib(rc.held_rss_kib), '—', null);
  row('Server memory per idle visitor connection, KiB', oc.per_conn_kib, rc.per_conn_kib, '≤ 2 KiB (reference ≈ 6–7)', lt(oc.per_conn_kib, 2), 2);
  row('Handshakes/s (upgrade + hello + welcome), wall clock', oc.handshakes_per_s, rc.handshakes_per_s, '—', null, 0);
  row('Handshakes per server CPU-second ("per core")', oc.handshakes_per_cpu_s, rc.handshakes_per_cpu_s, '≥ 3× reference',
    typeof oc.handshakes_per_cpu_s === 'number' && typeof rc.handshakes_per_cpu_s === 'number' ? oc.handshakes_per_cpu_s >= 3 * rc.handshakes_per_cpu_s : null, 0);
  row(`Relayed messages/s, acknowledged within the run (Otklik: durably committed), ${sizes.relayVisitors} visitors`, orl.acked_per_s, rrl.acked_per_s, '≥ 25,000', lt(25000, orl.acked_per_s), 0);
  row('Relay: server CPU-seconds per 1,000 messages', orl.server_cpu_s / orl.acked * 1000, rrl.server_cpu_s / rrl.acked * 1000, '—', null, 3);
  row('Relay: server CPU used, cores (of 2, shared with the driver)', orl.server_cores, rrl.server_cores, '—', null, 2);
  row('Relay: share of the server CPU spent in the kernel, %', 100 * orl.server_sys_s / orl.server_cpu_s, 100 * rrl.server_sys_s / rrl.server_cpu_s, '—', null, 0);
  if (orl.commits) rows.push(`| Relay: Otklik group commits: jobs per commit / ms per commit (fsync included) | ${fmt(orl.commits.avg_jobs_per_commit, 0)} / ${fmt(orl.commits.avg_commit_ms, 1)} | — | — | — | — |`);
  row('Relay: load driver CPU-seconds per 1,000 messages (same cores)', orl.driver_cpu_s / orl.acked * 1000, rrl.driver_cpu_s / rrl.acked * 1000, '—', null, 3);
  row('Relay: send → ack p50 / p99, ms', orl.ack && `${fmt(orl.ack.p50_ms, 2)} / ${fmt(orl.ack.p99_ms, 2)}`, rrl.ack && `${fmt(rrl.ack.p50_ms, 2)} / ${fmt(rrl.ack.p99_ms, 2)}`, '—', null, 1, false);
  const receipts = (x) => (x.operator_receipts ? `${x.operator_receipts.map((q) => q.received).join(', ')} of ${x.acked}${x.operator_receipts.some((q) => q.closed) ? ` (closed: ${[...new Set(x.operator_receipts.map((q) => q.closed).filter(Boolean))].join('; ')})` : ''}; dup ${x.operator_duplicates}, gaps ${x.operator_gaps}` : undefined);
  row(`Relay: each operator received (${sizes.operators} operators)`, receipts(orl), receipts(rrl), 'all, once', orl.operator_receipts ? orl.operator_missing === 0 && orl.operator_duplicates === 0 : null, 0, false);
  row(`Latency run: messages/s acknowledged within the run (target rate ${fmt(sizes.latencyRate, 0)})`, ol.acked_per_s, rl.acked_per_s, '—', null, 0);
  for (const [q, name, target, lim] of [['p50_ms', 'p50', '—', null], ['p99_ms', 'p99', '≤ 10 ms', 10], ['p999_ms', 'p99.9', '≤ 25 ms', 25]]) {
    const a = ol.delivery?.[q], b = rl.delivery?.[q];
    row(`Delivery send → operator \`message\` ${name}, ms`, a, b, target, lim ? lt(a, lim) : null, 2);
  }
  for (const [q, name] of [['p50_ms', 'p50'], ['p99_ms', 'p99'], ['p999_ms', 'p99.9']]) {
    row(`Send → \`ack\` ${name}, ms`, ol.ack?.[q], rl.ack?.[q], '—', null, 2);
  }
  const lat = (x) => (x.operator_receipts ? `${x.operator_missing} missing, ${x.operator_duplicates} dup` : undefined);
  row('Latency run: operator receipts', lat(ol), lat(rl), 'none missing', ol.operator_receipts ? ol.operator_missing === 0 : null, 0, false);
  if (sizes.latencyLowRate > 0) {
    row(`Second latency run: messages/s achieved (rate ${fmt(sizes.latencyLowRate, 0)}, below saturation)`, oll.acked_per_s, rll.acked_per_s, '—', null, 0);
    row('… server CPU-seconds per 1,000 messages', oll.server_cpu_s / oll.acked * 1000, rll.server_cpu_s / rll.acked * 1000, '—', null, 3);
    for (const [q, name] of [['p50_ms', 'p50'], ['p99_ms', 'p99'], ['p999_ms', 'p99.9']]) {
      row(`… delivery send → operator \`message\` ${name}, ms`, oll.delivery?.[q], rll.delivery?.[q], '—', null, 2);
    }
    for (const [q, name] of [['p50_ms', 'p50'], ['p99_ms', 'p99']]) {
      row(`… send → \`ack\` ${name}, ms`, oll.ack?.[q], rll.ack?.[q], '—', null, 2);
    }
  }
  // The target is for 15,000 clients: with fewer (--quick) the row is printed but not judged.
  const judged = sizes.clients >= 15000;
  row(`Restart (${oc.restart_signal || sizes.restartSignal}): clients back`, oc.restart_back, rc.restart_back, `${fmt(sizes.clients, 0)}`, oc.restart_back !== undefined ? oc.restart_back === sizes.clients : null, 0);
  row('Restart: kill → all welcomed again, s', oc.all_back_after_kill_ms / 1000, rc.all_back_after_kill_ms / 1000, judged ? '≤ 3 s' : '≤ 3 s for 15,000 clients',
    judged && typeof oc.all_back_after_kill_ms === 'number' && oc.restart_back === sizes.clients ? oc.all_back_after_kill_ms <= 3000 : null, 2);
  row('Restart: of which kill → old process gone, s', oc.shutdown_ms / 1000, rc.shutdown_ms / 1000, '—', null, 2);
  row('Restart: of which kill → listening again, s', oc.down_ms / 1000, rc.down_ms / 1000, '—', null, 2);
  row('Restart: listening again → all welcomed, s', oc.all_back_after_listen_ms / 1000, rc.all_back_after_listen_ms / 1000, '—', null, 2);
  row('Restart: connection attempts (jittered backoff while the server is down)', oc.restart_attempts, rc.restart_attempts, '—', null, 0);
  const head = [
    `Machine: ${m.nproc} cores (${m.cpu}), ${m.ram_gib} GiB RAM, Linux ${m.kernel}, g++ ${m.gxx}, Node ${m.node}; ` +
      `load average before the run ${m.load_before}; ${m.date}. The driver runs on the same cores as the server.`,
    '',
    '| Figure | Otklik | Reference (Node + ws) | Otklik / reference | Target | Met |',
    '|---|---:|---:|---:|---|---|',
  ];
  return [...head, ...rows].join('\n') + '\n';
}

// ------------------------------------------------------------------------------------------ main

const results = {};
const m = machine();
try {
  for (const kind of ['otklik', 'reference']) {
    if (only && only !== kind) continue;
    results[kind] = {};
    for (const [name, fn] of [['connect', () => scenarioConnectRestart(kind)], ['relay', () => scenarioMessages(kind, 'relay')],
      ['latency', () => scenarioMessages(kind, 'latency')],
      ...(sizes.latencyLowRate > 0 ? [['latency_low', () => scenarioMessages(kind, 'latency', sizes.latencyLowRate)]] : [])]) {
      if (process.env.BENCH_SCENARIOS && !process.env.BENCH_SCENARIOS.split(',').includes(name)) continue;
      const t0 = Date.now();
      try {
        results[kind][name] = await fn();
      } catch (e) {
        log(`${kind} ${name} failed: ${e.message}`);
        results[kind][name] = { error: e.message.slice(0, 500) };
      }
      log(`${kind} ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await sleep(1000); // TIME_WAIT sockets and the page cache settle between runs
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const md = table(results, m);
mkdirSync(path.dirname(outMd), { recursive: true });
writeFileSync(outMd, md);
writeFileSync(outJson, JSON.stringify({ machine: m, sizes, results }, null, 2));
process.stdout.write(md);
log(`wrote ${outMd} and ${outJson}`);
