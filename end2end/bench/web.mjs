// The list and the pages under load: starts the release server (target/release/server) on a
// fresh database with the fake Google in-process, signs one user up, connects 5 Gmail accounts
// through the real consent flow, then runs Debian's `wrk -t2 -c32 -d15s` against the
// `list_accounts` server function and the server-rendered /connections page; then gives the
// user 20,000 transactions over the last 25 days (written in SQL, one statement) and loads
// /transactions?period=30, its list, totals and charts.
//
// Prints `name: value` lines: list_rps, list_p99_ms, page_rps, page_p99_ms, server_peak_rss_mb
// (the server's peak RSS during the first two loads), setup_peak_rss_mb (its peak before them),
// transactions_alone_rps and transactions_alone_p99_ms (one connection), transactions_rps,
// transactions_p99_ms (32).
// BENCH_DATABASE_URL picks the database (default: a SQLite file in a temp folder);
// BENCH_DURATION (default 15s) shortens the runs. Run it through scripts/bench-web.sh.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startFakeGoogle } from '../fake-google/server.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const serverBin = path.join(root, 'target/release/server');
const duration = process.env.BENCH_DURATION ?? '15s';
const ACCOUNTS = 5;

const freePort = () =>
  new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

const unescapeHtml = (value) =>
  value
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

const fake = await startFakeGoogle({ port: 0 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailconnect-bench-'));
const port = await freePort();
const app = `http://127.0.0.1:${port}`;
const key = execFileSync(serverBin, ['gen-key']).toString().trim().split('\n').pop();
const server = spawn(serverBin, ['serve'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...process.env,
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite://${dir}/bench.db?mode=rwc`,
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    APP_ORIGIN: app,
    TOKEN_ENCRYPTION_KEY: key,
    GOOGLE_CLIENT_ID: 'fake-client-id',
    GOOGLE_CLIENT_SECRET: 'fake-client-secret',
    GOOGLE_AUTH_URL: `${fake.url}/o/oauth2/v2/auth`,
    GOOGLE_TOKEN_URL: `${fake.url}/token`,
    GOOGLE_USERINFO_URL: `${fake.url}/v1/userinfo`,
    GOOGLE_REVOKE_URL: `${fake.url}/revoke`,
    GMAIL_API_URL: fake.url,
    SYNC_INTERVAL_SECS: '3600',
    RUST_LOG: 'warn',
  },
});
const cleanup = () => {
  server.kill('SIGKILL');
  fake.close();
  fs.rmSync(dir, { recursive: true, force: true });
};
process.on('exit', cleanup);

async function waitForHealth() {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      if ((await fetch(`${app}/healthz`)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server did not become healthy');
}

const sameOrigin = { 'sec-fetch-site': 'same-origin' };
const form = { ...sameOrigin, 'content-type': 'application/x-www-form-urlencoded' };

async function signUp() {
  const body = new URLSearchParams({ email: 'bench@example.com', password: 'correct horse battery' });
  const res = await fetch(`${app}/api/sign_up`, { method: 'POST', headers: form, body, redirect: 'manual' });
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.includes('session'));
  if (!res.ok || !cookie) throw new Error(`sign-up failed: ${res.status}`);
  return cookie;
}

/** Start → consent page → Allow → callback, as the popup does it. */
async function connect(cookie, email) {
  const start = await fetch(`${app}/auth/gmail/start`, { headers: { ...sameOrigin, cookie }, redirect: 'manual' });
  const consentUrl = new URL(start.headers.get('location'));
  const page = await (await fetch(consentUrl)).text();
  const decision = new URLSearchParams();
  for (const [, name, value] of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    decision.append(name, unescapeHtml(value));
  }
  for (const [, scope] of page.matchAll(/name="granted_scope" value="([^"]*)"/g)) {
    decision.append('granted_scope', unescapeHtml(scope));
  }
  decision.append('email', email);
  decision.append('email_verified', 'true');
  decision.append('decision', 'allow');
  const action = unescapeHtml(page.match(/<form method="post" action="([^"]+)"/)[1]);
  const answer = await fetch(new URL(action, consentUrl), { method: 'POST', body: decision, redirect: 'manual' });
  const callback = await fetch(answer.headers.get('location'), { headers: { cookie }, redirect: 'manual' });
  if (!callback.ok) throw new Error(`connecting ${email} failed: ${callback.status}`);
}

/**
 * Runs wrk (`connections` at once, 32 unless told); returns requests per second and the 99th
 * percentile in milliseconds.
 */
function wrk(args, seconds = duration, connections = 32) {
  const threads = Math.min(2, connections);
  const out = execFileSync('wrk', [`-t${threads}`, `-c${connections}`, `-d${seconds}`, '--latency', ...args]).toString();
  if (/Socket errors/.test(out)) throw new Error(`wrk saw socket errors:\n${out}`);
  if (/Non-2xx or 3xx responses/.test(out)) throw new Error(`wrk saw errors:\n${out}`);
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]);
  const [, value, unit] = out.match(/\s99%\s+([\d.]+)(us|ms|s)\b/);
  const p99 = Number(value) * { us: 0.001, ms: 1, s: 1000 }[unit];
  return { rps, p99 };
}

await waitForHealth();
const cookie = await signUp();
for (let n = 0; n < ACCOUNTS; n++) await connect(cookie, `bench${n}@gmail.com`);
const listed = await (await fetch(`${app}/api/list_accounts`, { method: 'POST', headers: { ...form, cookie } })).json();
if (listed.length !== ACCOUNTS) throw new Error(`expected ${ACCOUNTS} accounts, listed ${JSON.stringify(listed)}`);

const lua = path.join(dir, 'list.lua');
fs.writeFileSync(
  lua,
  [
    'wrk.method = "POST"',
    'wrk.body = ""',
    `wrk.headers["Cookie"] = "${cookie}"`,
    'wrk.headers["Sec-Fetch-Site"] = "same-origin"',
    'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"',
  ].join('\n'),
);
// The peak so far is the set-up's: sign-up hashes a password with Argon2 (19 MiB). The
// allocator returns that memory a second after it is freed, on its next allocations; a short
// warm-up load (not measured) lets it. Then the peak is reset (Linux: `5` in clear_refs) so the
// figure under load is the load's own.
const peakRssKb = () =>
  Number(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/)[1]);
const setupPeakKb = peakRssKb();
wrk(['-s', lua, `${app}/api/list_accounts`], '2s');
fs.writeFileSync(`/proc/${server.pid}/clear_refs`, '5');
const list = wrk(['-s', lua, `${app}/api/list_accounts`]);
const page = wrk(['-H', `Cookie: ${cookie}`, `${app}/connections`]);
const peakKb = peakRssKb();

console.log(`list_rps: ${list.rps.toFixed(0)}`);
console.log(`list_p99_ms: ${list.p99.toFixed(2)}`);
console.log(`page_rps: ${page.rps.toFixed(0)}`);
console.log(`page_p99_ms: ${page.p99.toFixed(2)}`);
console.log(`server_peak_rss_mb: ${(peakKb / 1024).toFixed(1)}`);
console.log(`setup_peak_rss_mb: ${(setupPeakKb / 1024).toFixed(1)}`);

// 20,000 transactions in the period: four merchants (one under a rule of the user's), two
// currencies, purchases with some refunds and withdrawals, one every 108 s back from now.
const TRANSACTIONS = 20_000;
const now = Math.floor(Date.now() / 1000);
const merchant = (i) => `CASE ${i} % 4 WHEN 0 THEN 'AUTO MERCADO LOS YOSES' WHEN 1 THEN 'SODA LA ESQUINA' WHEN 2 THEN 'UBER TRIP' ELSE 'FERRETERIA EL MARTILLO' END`;
const category = (i) => `CASE ${i} % 4 WHEN 0 THEN 'supermarkets' WHEN 1 THEN 'dining' WHEN 2 THEN 'transport' ELSE 'other' END`;
const insert = `
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${TRANSACTIONS - 1})
INSERT INTO transactions (user_id, account_id, mailbox, message_id, idx, bank, kind, amount_minor,
  currency, merchant, occurred_at, created_at, merchant_key, category)
SELECT a.user_id, a.id, a.email_address, 'bench-' || n.i, 0, 'bac_credomatic',
  CASE WHEN n.i % 20 = 0 THEN 'refund' WHEN n.i % 15 = 0 THEN 'withdrawal' ELSE 'purchase' END,
  100000 + (n.i % 97) * 1000, CASE WHEN n.i % 5 = 0 THEN 'USD' ELSE 'CRC' END,
  ${merchant('n.i')}, ${now} - n.i * 108, ${now}, ${merchant('n.i')}, ${category('n.i')}
FROM n, email_accounts a WHERE a.email_address = 'bench0@gmail.com';
INSERT INTO category_rules (user_id, merchant_key, category, created_at)
SELECT id, 'FERRETERIA EL MARTILLO', 'utilities', ${now} FROM users WHERE email = 'bench@example.com';`;
const database = process.env.BENCH_DATABASE_URL;
if (database) {
  execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', database], { input: insert });
} else {
  execFileSync('sqlite3', [path.join(dir, 'bench.db')], { input: insert });
}
const pageUrl = `${app}/transactions?period=30`;
// A new connection: the pooled one idled through the loads above, and the server closed it.
const first = execFileSync('curl', ['-sS', '-H', `Cookie: ${cookie}`, pageUrl]).toString();
if (!first.includes(`${TRANSACTIONS} transactions`)) {
  throw new Error('the page does not list the 20,000 transactions');
}
wrk(['-H', `Cookie: ${cookie}`, pageUrl], '2s', 1);
// One browser at a time (the page's own time), then 32 at once.
const alone = wrk(['-H', `Cookie: ${cookie}`, pageUrl], duration, 1);
console.log(`transactions_alone_rps: ${alone.rps.toFixed(0)}`);
console.log(`transactions_alone_p99_ms: ${alone.p99.toFixed(2)}`);
const crowd = wrk(['-H', `Cookie: ${cookie}`, pageUrl]);
console.log(`transactions_rps: ${crowd.rps.toFixed(0)}`);
console.log(`transactions_p99_ms: ${crowd.p99.toFixed(2)}`);
// The first load after a change (a sync's new rows, a change of category): the sums kept for
// the user are stale then, and the page adds the rows up again. Twenty loads, each after a
// change (the user's version raised in SQL, as a change does it).
const bump = `UPDATE spending_versions SET version = version + 1 WHERE user_id = (SELECT id FROM users WHERE email = 'bench@example.com');
INSERT INTO spending_versions (user_id, version) SELECT id, 1 FROM users WHERE email = 'bench@example.com' AND id NOT IN (SELECT user_id FROM spending_versions);`;
const afterChange = [];
for (let i = 0; i < 20; i++) {
  if (database) {
    execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', database], { input: bump });
  } else {
    execFileSync('sqlite3', [path.join(dir, 'bench.db')], { input: bump });
  }
  const seconds = execFileSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{time_total}', '-H', `Cookie: ${cookie}`, pageUrl]);
  afterChange.push(Number(seconds.toString()) * 1000);
}
afterChange.sort((a, b) => a - b);
console.log(`transactions_after_change_p50_ms: ${afterChange[10].toFixed(1)}`);
console.log(`transactions_after_change_max_ms: ${afterChange[19].toFixed(1)}`);
process.exit(0);
