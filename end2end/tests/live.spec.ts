import { expect, test, type Page } from './support/test';
import { addGmailMessages, connectGmail } from './support/gmail';
import {
  ConnectionsPage,
  TransactionsPage,
  signUp,
  uniqueEmail,
  waitForHydration,
} from './support/pages';

/** A sync may wait for a worker's next look at the queue; a few seconds on a busy machine. */
const SYNC_TIMEOUT = 30_000;

/** Marks the page's document: the mark is gone if the page was loaded again. */
async function mark(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { mark: string }).mark = 'kept'));
}

async function stillMarked(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { mark?: string }).mark === 'kept');
}

test('open pages update themselves: the list as a sync runs, new transactions on request', async ({
  page,
  context,
}) => {
  test.setTimeout(90_000);
  const gmail = uniqueEmail('live-gmail');
  await signUp(page, uniqueEmail('live'));
  await waitForHydration(page);
  const connections = new ConnectionsPage(page);
  await connectGmail(page, { email: gmail });
  await connections.waitForSyncToFinish(gmail, SYNC_TIMEOUT);
  await expect(connections.syncState(gmail)).toHaveText(/0 new transactions$/);

  // The Transactions page, open in another tab: empty for now.
  const other = await context.newPage();
  const transactions = new TransactionsPage(other);
  await transactions.goto();
  await transactions.expectLoaded();
  await waitForHydration(other);
  await expect(transactions.rows).toHaveCount(0);
  const note = other.locator('.new-transactions');
  await expect(note).toBeEmpty();
  await mark(other);

  // An alert arrives and a sync reads it: the list says so without a reload…
  await addGmailMessages(gmail, [{ fixture: 'bac_purchase_crc.eml', redate: true }]);
  await mark(page);
  await connections.syncNow(gmail);
  await connections.waitForSyncToFinish(gmail, SYNC_TIMEOUT);
  await expect(connections.syncState(gmail)).toHaveText(/· 1 new transaction$/);
  expect(await stillMarked(page), 'the connections page was not loaded again').toBe(true);

  // …and the Transactions page offers the new row, and shows it in place when asked.
  await expect(note).toHaveText('1 new transaction — Show them');
  await expect(transactions.rows).toHaveCount(0);
  await note.getByRole('button', { name: 'Show them' }).click();
  await expect(transactions.rows).toHaveCount(1);
  await expect(note).toBeEmpty();
  await expect(other.getByRole('heading', { level: 1 })).toBeFocused();
  expect(await stillMarked(other), 'the transactions page was not loaded again').toBe(true);
});

test('signing out closes the stream of every open page of that session', async ({
  page,
  context,
}) => {
  await signUp(page, uniqueEmail('live-out'));
  const other = await context.newPage();
  await new TransactionsPage(other).goto();
  const stream = other.locator('html');
  await expect(stream).toHaveAttribute('data-events', 'open');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin$/);
  // The server ends the other tab's stream, and the page does not open it again.
  await expect(stream).toHaveAttribute('data-events', 'closed');
});
