import { expect, test, type Page } from './support/test';
import { addGmailMessages, connectGmail, gmailCallsFor } from './support/gmail';
import { addOutlookMessages, connectOutlook, microsoftCalls } from './support/outlook';
import { ConnectionsPage, TransactionsPage, signUp, uniqueEmail, waitForHydration } from './support/pages';
import {
  forgeGmailPush,
  forgeOutlookNotification,
  notificationsOf,
  pubsubOf,
  turnOnGmailPush,
  turnOnOutlookPush,
} from './support/push';

/** Connecting queues the first sync at once; on a busy machine it may wait a little. */
const SYNC_TIMEOUT = 30_000;

/** A new user with `mailbox` connected (its first sync done), on a hydrated /connections. */
async function connected(page: Page, service: 'gmail' | 'outlook', mailbox: string): Promise<void> {
  await signUp(page, uniqueEmail(`push-${service}`));
  await waitForHydration(page);
  if (service === 'gmail') await connectGmail(page, { email: mailbox });
  else await connectOutlook(page, { email: mailbox });
  const connections = new ConnectionsPage(page);
  await expect(connections.account(mailbox)).toHaveCount(1);
  await connections.waitForSyncToFinish(mailbox, SYNC_TIMEOUT);
}

/** The Transactions page, open and waiting, with no row yet. */
async function openTransactions(page: Page): Promise<TransactionsPage> {
  const transactions = new TransactionsPage(page);
  await transactions.goto();
  await transactions.expectLoaded();
  await expect(page.locator('html')).toHaveAttribute('data-events', 'open');
  await expect(transactions.rows).toHaveCount(0);
  await page.evaluate(() => ((window as unknown as { mark: string }).mark = 'kept'));
  return transactions;
}

/** The pushed alert appears on the open page, in place, when asked. */
async function expectPushedRow(page: Page, transactions: TransactionsPage): Promise<void> {
  const note = page.locator('.new-transactions');
  await expect(note).toHaveText('1 new transaction — Show them', { timeout: 10_000 });
  await note.getByRole('button', { name: 'Show them' }).click();
  await expect(transactions.rows).toHaveCount(1);
  const kept = await page.evaluate(() => (window as unknown as { mark?: string }).mark === 'kept');
  expect(kept, 'the page was not loaded again').toBe(true);
}

test('a Gmail alert reaches an open Transactions page by push, without Sync now or a reload', async ({ page }) => {
  test.setTimeout(60_000);
  const gmail = uniqueEmail('pushed-gmail');
  await turnOnGmailPush(gmail);
  await connected(page, 'gmail', gmail);
  // The mailbox is watched on the app's topic.
  await expect.poll(async () => (await pubsubOf(gmail)).watch?.topic).toBe('projects/fake-project/topics/gmail-push');
  const transactions = await openTransactions(page);

  await addGmailMessages(gmail, [{ fixture: 'bac_purchase_crc.eml', redate: true }]);
  await expectPushedRow(page, transactions);
  const deliveries = (await pubsubOf(gmail)).deliveries;
  expect(deliveries.map((d) => d.status)).toEqual([204]);
});

test('an Outlook alert reaches an open Transactions page by Graph notification', async ({ page }) => {
  test.setTimeout(60_000);
  const outlook = uniqueEmail('pushed-outlook');
  await turnOnOutlookPush(outlook);
  await connected(page, 'outlook', outlook);
  await expect.poll(async () => (await notificationsOf(outlook)).subscriptions.length).toBe(1);
  const transactions = await openTransactions(page);

  await addOutlookMessages(outlook, [{ fixture: 'bac_purchase_crc.eml', internalDate: Date.now() }]);
  await expectPushedRow(page, transactions);
  expect((await notificationsOf(outlook)).deliveries.map((d) => d.status)).toEqual([202]);
});

test('forged pushes are refused with 401 and change nothing', async ({ page }) => {
  test.setTimeout(60_000);
  const gmail = uniqueEmail('forged-gmail');
  const outlook = uniqueEmail('forged-outlook');
  await connected(page, 'gmail', gmail);
  await connectOutlook(page, { email: outlook });
  const connections = new ConnectionsPage(page);
  await connections.waitForSyncToFinish(outlook, SYNC_TIMEOUT);
  await expect.poll(async () => (await pubsubOf(gmail)).watch !== null).toBe(true);
  await expect.poll(async () => (await notificationsOf(outlook)).subscriptions.length).toBe(1);
  const gmailCalls = (await gmailCallsFor(gmail)).length;
  const graphCalls = (await microsoftCalls({ account: outlook, endpoint: 'graph' })).length;

  for (const kind of ['no-token', 'other-key', 'wrong-audience', 'wrong-account', 'unverified', 'expired'] as const) {
    expect(await forgeGmailPush(gmail, kind), kind).toBe(401);
  }
  for (const kind of ['wrong-client-state', 'unknown-subscription'] as const) {
    expect(await forgeOutlookNotification(outlook, kind), kind).toBe(401);
  }
  // No sync ran: neither mailbox was read again.
  await page.waitForTimeout(1_000);
  expect((await gmailCallsFor(gmail)).length).toBe(gmailCalls);
  expect((await microsoftCalls({ account: outlook, endpoint: 'graph' })).length).toBe(graphCalls);
});
