import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '../tests/support/test';
import { FAKE_GOOGLE } from '../tests/support/env';
import { connectGmail, gmailCallsFor } from '../tests/support/gmail';
import { ConnectionsPage, signUp, uniqueEmail, waitForHydration } from '../tests/support/pages';
import { pubsubOf, turnOnGmailPush } from '../tests/support/push';

// Push measured (BENCHMARKS.md): an alert added to the fake Gmail until its row shows on an
// open Transactions page; every alert shown once with a tenth of deliveries lost; and the mail
// service's calls per hour for a quiet mailbox, pushed against polled.

const ALERTS = Number(process.env.BENCH_ALERTS ?? 200);
const FIXTURE = readFileSync(new URL('../../server/src/alerts/fixtures/bac_purchase_crc.eml', import.meta.url), 'latin1');

/** Alert `n` to `gmail`: the fixture with its authorization and reference numbered, so each
 * is new. */
function alert(gmail: string, n: number): string {
  const six = String(n % 1_000_000).padStart(6, '0');
  return FIXTURE.replaceAll('usuario.demo@gmail.com', gmail)
    .replaceAll('084512', six)
    .replaceAll('533412345678', `533412${six}`);
}

async function admin(path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${FAKE_GOOGLE}/__admin/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function addAlert(gmail: string, n: number): Promise<void> {
  await admin('gmail/messages', { email: gmail, messages: [{ raw: alert(gmail, n), redate: true }] });
}

/** Signs up, connects `gmail` (first sync done) and waits for its watch. */
async function connected(page: Page, gmail: string, push: boolean): Promise<void> {
  if (push) await turnOnGmailPush(gmail);
  await signUp(page, uniqueEmail('bench'));
  await waitForHydration(page);
  await connectGmail(page, { email: gmail });
  await new ConnectionsPage(page).waitForSyncToFinish(gmail, 30_000);
}

/** Opens /transactions; resolves once it shows `count` transactions in all. */
async function shown(page: Page, count: number, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    (n) => {
      const note = document.querySelector<HTMLElement>('.new-transactions button');
      if (note) note.click();
      const text = document.querySelector('p.count')?.textContent ?? '';
      return Number.parseInt(text.replace(/[^0-9]/g, ''), 10) >= n;
    },
    count,
    { polling: 'raf', timeout },
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

test('an alert reaches an open page within seconds by push', async ({ page }) => {
  const gmail = uniqueEmail('bench-push');
  await connected(page, gmail, true);
  await expect.poll(async () => (await pubsubOf(gmail)).watch !== null).toBe(true);
  await page.goto('/transactions');
  await expect(page.locator('html')).toHaveAttribute('data-events', 'open');
  const latencies: number[] = [];
  for (let n = 1; n <= ALERTS; n += 1) {
    const started = Date.now();
    await addAlert(gmail, n);
    try {
      await shown(page, n);
    } catch (error) {
      const calls = (await gmailCallsFor(gmail)).slice(-6).map((c) => [c.operation, c.query, c.status]);
      console.log(`alert ${n} not shown; Gmail's last calls:`, JSON.stringify(calls));
      throw error;
    }
    latencies.push(Date.now() - started);
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(
    `push latency over ${ALERTS} alerts: p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted.at(-1)} ms`,
  );
});

test('with a tenth of deliveries lost, every alert is shown once', async ({ page }) => {
  const gmail = uniqueEmail('bench-lossy');
  await connected(page, gmail, true);
  await expect.poll(async () => (await pubsubOf(gmail)).watch !== null).toBe(true);
  await admin('pubsub/faults', { email: gmail, loseRate: 0.1 });
  await page.goto('/transactions');
  const count = 50;
  const started = Date.now();
  for (let n = 1; n <= count; n += 1) {
    // The last delivery is lost for certain: only the safety net can show that alert.
    if (n === count) await admin('pubsub/faults', { email: gmail, lose: 1 });
    await addAlert(gmail, 10_000 + n);
    await page.waitForTimeout(200);
  }
  const added = Date.now();
  await shown(page, count, 5 * 60_000);
  const lost = (await pubsubOf(gmail)).deliveries.filter((d) => d.lost).length;
  // Each alert once: the count, and no reference twice in the list's first page of 50.
  await page.reload();
  const text = (await page.locator('p.count').textContent()) ?? '';
  console.log(
    `lossy push: ${count} alerts over ${Math.round((added - started) / 1000)} s, ${lost} deliveries lost; ` +
      `all shown ${Math.round((Date.now() - added) / 1000)} s after the last; the page says "${text.trim()}"`,
  );
  expect(text.trim()).toBe(`${count} transactions`);
});

test('calls to Gmail for a quiet mailbox, pushed and polled', async ({ page, browser }) => {
  const pushed = uniqueEmail('bench-quiet-pushed');
  const polled = uniqueEmail('bench-quiet-polled');
  // The polled mailbox's watch fails (as if push were off for it), so it keeps the short interval.
  await admin('faults', { endpoint: 'gmail', email: polled, operation: 'watch', status: 500, times: 1000 });
  await connected(page, pushed, true);
  const other = await browser.newPage();
  await connected(other, polled, false);
  await expect.poll(async () => (await pubsubOf(pushed)).watch !== null).toBe(true);
  const before = { pushed: (await gmailCallsFor(pushed)).length, polled: (await gmailCallsFor(polled)).length };
  const windowSecs = 180;
  await page.waitForTimeout(windowSecs * 1000);
  const calls = {
    pushed: (await gmailCallsFor(pushed)).length - before.pushed,
    polled: (await gmailCallsFor(polled)).length - before.polled,
  };
  console.log(
    `quiet mailbox over ${windowSecs} s (SYNC_INTERVAL_SECS=10, SYNC_SAFETY_INTERVAL_SECS=60): ` +
      `pushed ${calls.pushed} Gmail calls, polled ${calls.polled}`,
  );
});
