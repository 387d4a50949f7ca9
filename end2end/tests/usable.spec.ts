import { expect, test, type Locator, type Page } from './support/test';
import { expectNoSeriousViolations } from './support/axe';
import { GmailConnections, addGmailMessages, connectGmail } from './support/gmail';
import { APP_URL } from './support/env';
import { csvRecords } from './support/csv';
import { ConnectionsPage, TransactionsPage, signUp, uniqueEmail, waitForHydration } from './support/pages';

// Usable by everyone: axe finds nothing serious on any page, and the connections page works
// with the keyboard alone, with focus where a screen-reader user expects it.

const SYNC_TIMEOUT = 30_000;
const DAY = 24 * 60 * 60 * 1000;

/** Presses Tab until `target` has the focus: it can be reached with the keyboard alone. */
async function tabTo(page: Page, target: Locator, most = 40): Promise<void> {
  for (let i = 0; i < most; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((element) => element === document.activeElement)) return;
  }
  throw new Error(`${target} is not reached by ${most} presses of Tab`);
}

// Two tests, so that the pages are checked two at a time.
test('axe finds nothing serious on the pages of a signed-out visitor', async ({ page }) => {
  await page.goto('/signin');
  await expectNoSeriousViolations(page, '/signin');
  await page.goto('/signup');
  await expectNoSeriousViolations(page, '/signup');
  await page.goto('/no-such-page');
  await expectNoSeriousViolations(page, 'a missing page');
  // The popup's result page, as a popup that lost its opener shows it.
  await page.goto('/auth/gmail/callback?state=unknown&code=unknown');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Gmail connection failed');
  await expectNoSeriousViolations(page, 'the popup result page');
});

test('axe finds nothing serious on the pages of a signed-in user, with data', async ({ page }) => {
  test.setTimeout(60_000);
  const gmail = uniqueEmail('axe');
  await addGmailMessages(gmail, [
    { fixture: 'bac_purchase_crc.eml', internalDate: Date.now() - 2 * DAY },
    { fixture: 'bcr_card_three_rows.eml', internalDate: Date.now() - DAY },
  ]);
  await signUp(page, uniqueEmail('axe'));
  await waitForHydration(page);
  await expectNoSeriousViolations(page, '/connections without mailboxes');
  await connectGmail(page, { email: gmail });
  const connections = new ConnectionsPage(page);
  await connections.waitForSyncToFinish(gmail, SYNC_TIMEOUT);
  await expectNoSeriousViolations(page, '/connections with a mailbox');
  const gmailRows = new GmailConnections(page);
  await gmailRows.disconnectButton(gmail).click();
  await expect(gmailRows.disconnectQuestion(gmail)).toBeVisible();
  await expectNoSeriousViolations(page, '/connections/disconnect');

  const transactions = new TransactionsPage(page);
  await transactions.goto();
  await expect(transactions.rows).not.toHaveCount(0);
  await expectNoSeriousViolations(page, '/transactions with data');
  await page.goto('/transactions?q=nothing-like-this');
  await expectNoSeriousViolations(page, '/transactions with nothing matching');
  await transactions.goto();
  await transactions.rows.first().locator('td.category a').click();
  await expect(page.getByRole('heading', { name: 'Change the category' })).toBeVisible();
  await expectNoSeriousViolations(page, '/transactions/category');
  await page.goto('/account');
  await expectNoSeriousViolations(page, '/account');

  await page.goto('/connections');
  await gmailRows.disconnect(gmail);
  await expect(gmailRows.notice).toBeVisible();
  await expectNoSeriousViolations(page, '/connections after a disconnection');
});

test('the keyboard alone connects, asks before disconnecting, and focus follows', async ({ page }) => {
  await signUp(page, uniqueEmail('keys'));
  await waitForHydration(page);
  const connections = new GmailConnections(page);
  const listHeading = page.getByRole('heading', { name: 'Connected Accounts', level: 2 });

  // The first Tab offers to skip the top bar.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();

  // Connecting: after the popup, focus is on the list, which holds the new mailbox.
  const gmail = uniqueEmail('keys');
  await tabTo(page, connections.connectButton);
  await connectGmail(page, { email: gmail }, connections.connectButton);
  await expect(connections.account(gmail)).toHaveCount(1);
  await expect(listHeading).toBeFocused();

  // "Disconnect" leads to a page that asks; "Keep it connected" goes back, nothing changed.
  const disconnect = connections.disconnectButton(gmail);
  await tabTo(page, disconnect);
  await page.keyboard.press('Enter');
  await expect(connections.disconnectQuestion(gmail)).toBeVisible();
  await expect(page).toHaveTitle('Disconnect a mailbox · mailconnect');
  await tabTo(page, page.getByRole('link', { name: 'Keep it connected' }));
  await page.keyboard.press('Enter');
  await expect(connections.account(gmail)).toHaveCount(1);

  // Asked again and answered "Yes": back on the list, the row gone, a notice says what happened.
  await tabTo(page, disconnect);
  await page.keyboard.press('Enter');
  await tabTo(page, connections.confirmDisconnectButton);
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.pathname === '/connections');
  await expect(connections.account(gmail)).toHaveCount(0);
  await expect(connections.notice).toHaveText('Email account disconnected. Our access is revoked at Google.');
});

test('each page names itself in its title, and the list says how much matched', async ({ page }) => {
  await page.goto('/signin');
  await expect(page).toHaveTitle('Sign in · mailconnect');
  await signUp(page, uniqueEmail('titles'));
  await expect(page).toHaveTitle('Email Connections · mailconnect');
  await page.goto('/account');
  await expect(page).toHaveTitle('Your account · mailconnect');
  const gmail = uniqueEmail('titles');
  await addGmailMessages(gmail, [{ fixture: 'bcr_card_three_rows.eml', internalDate: Date.now() - DAY }]);
  await new ConnectionsPage(page).goto();
  await connectGmail(page, { email: gmail });
  await new ConnectionsPage(page).waitForSyncToFinish(gmail, SYNC_TIMEOUT);
  const transactions = new TransactionsPage(page);
  await transactions.goto();
  await expect(page).toHaveTitle('Transactions · mailconnect');
  await page.goto('/transactions?kind=declined');
  await expect(page).toHaveTitle('Transactions: 1 transaction found · mailconnect');
  await page.goto('/transactions?q=nothing-like-this');
  await expect(page).toHaveTitle('Transactions: none match · mailconnect');
});

test('a browser in another time zone sees its own times, and the account page changes them', async ({
  browser,
}) => {
  test.setTimeout(60_000);
  const context = await browser.newContext({ baseURL: APP_URL, timezoneId: 'Europe/Madrid' });
  try {
    const page = await context.newPage();
    const gmail = uniqueEmail('zone');
    // BAC's purchase of 30 Nov 2025, 09:09 in Costa Rica: 16:09 in Madrid.
    await addGmailMessages(gmail, [{ fixture: 'bac_purchase_crc.eml', internalDate: Date.now() - DAY }]);
    await signUp(page, uniqueEmail('zone'));
    // The first page tells the server the browser's zone, once.
    const zone = page.getByLabel('Show times in');
    await expect(async () => {
      await page.goto('/account');
      await expect(zone).toHaveValue('Europe/Madrid', { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
    await new ConnectionsPage(page).goto();
    await connectGmail(page, { email: gmail });
    await new ConnectionsPage(page).waitForSyncToFinish(gmail, SYNC_TIMEOUT);
    const transactions = new TransactionsPage(page);
    await transactions.goto();
    await expect(transactions.rows.locator('td.when')).toHaveText(['30 Nov 2025, 16:09']);
    const csv = await (await page.request.get('/transactions.csv')).text();
    expect(csvRecords(csv).map((record) => record.date)).toEqual(['2025-11-30T16:09:00+01:00']);

    // Another choice on the account page applies from the next page on.
    await page.goto('/account');
    await waitForHydration(page);
    await zone.selectOption('America/New_York');
    await page.getByRole('button', { name: 'Save time zone' }).click();
    await expect(page.locator('p.notice')).toHaveText('Saved. Times are shown in America/New_York from now on.');
    await expect(zone).toHaveValue('America/New_York');
    await transactions.goto();
    await expect(transactions.rows.locator('td.when')).toHaveText(['30 Nov 2025, 10:09']);

    // The browser's zone was taken once: it does not undo the choice.
    await page.reload();
    await waitForHydration(page);
    await transactions.goto();
    await expect(transactions.rows.locator('td.when')).toHaveText(['30 Nov 2025, 10:09']);
  } finally {
    await context.close();
  }
});
