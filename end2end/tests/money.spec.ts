import fs from 'node:fs/promises';
import { expect, test, type Browser, type Locator, type Page } from './support/test';
import { APP_URL } from './support/env';
import { csvRecords } from './support/csv';
import { addGmailMessages, connectGmail } from './support/gmail';
import {
  ConnectionsPage,
  TransactionsPage,
  signUp,
  uniqueEmail,
  waitForHydration,
} from './support/pages';

// Where the money goes: the charts above the list, categories that stick, and the search and
// filters, with and without JavaScript.

const DAY = 24 * 60 * 60 * 1000;
const SYNC_TIMEOUT = 30_000;
const FIXTURES = new URL('../../server/src/alerts/fixtures/', import.meta.url);
/** The BAC purchase at a supermarket chain the built-in table knows. */
const GROCER = 'AUTO MERCADO LOS YOSES';
/** What the fixtures' alerts spend: BAC's purchase, BCR's three rows (one declined). */
const SPENT = { CRC: '₡34,500.00', USD: '$25.99' };
/** The kinds that add to spending (a refund takes away; the rest count for nothing). */
const SPENDING_KINDS = ['Purchase', 'Withdrawal', 'Service payment', 'Transfer out'];

/** "₡22,000.00", "-$5.00" as a number of the currency's units. */
function amount(text: string): number {
  return Number(text.replace(/[^0-9.-]/g, ''));
}

/** The same BAC alert with another authorization and reference: a later purchase, same shop. */
async function laterGrocerAlert(email: string): Promise<string> {
  const raw = await fs.readFile(new URL('bac_purchase_crc.eml', FIXTURES), 'latin1');
  return raw
    .replaceAll('usuario.demo@gmail.com', email)
    .replaceAll('084512', '084577')
    .replaceAll('533412345678', '533412345677');
}

/** A fresh user whose Gmail (BAC and BCR alerts) is connected and synced; on /transactions. */
async function syncedUser(page: Page, gmail: string): Promise<TransactionsPage> {
  const now = Date.now();
  await addGmailMessages(gmail, [
    { fixture: 'bac_purchase_crc.eml', internalDate: now - 2 * DAY },
    { fixture: 'bcr_card_three_rows.eml', internalDate: now - DAY },
  ]);
  await signUp(page, uniqueEmail('money'));
  await waitForHydration(page);
  const connections = new ConnectionsPage(page);
  await connectGmail(page, { email: gmail });
  await connections.waitForSyncToFinish(gmail, SYNC_TIMEOUT);
  const transactions = new TransactionsPage(page);
  await transactions.goto();
  return transactions;
}

/** The cookies of a user synced as in [`syncedUser`], made in a context with JavaScript. */
async function syncedUserCookies(browser: Browser, gmail: string) {
  const context = await browser.newContext({ baseURL: APP_URL, javaScriptEnabled: true });
  try {
    await syncedUser(await context.newPage(), gmail);
    return await context.cookies();
  } finally {
    await context.close();
  }
}

function category(row: Locator): Locator {
  return row.locator('td.category');
}

/** Follows a row's category link, chooses `label` for it alone or its merchant, and saves. */
async function fileUnder(
  page: Page,
  row: Locator,
  label: string,
  scope: 'merchant' | 'one',
  { hydrate = true } = {},
) {
  await category(row).getByRole('link').click();
  await expect(page.getByRole('heading', { name: 'Change the category' })).toBeVisible();
  if (hydrate) await waitForHydration(page);
  await page.getByLabel('Category').selectOption({ label });
  await page.locator(`input[name="scope"][value="${scope}"]`).check();
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/transactions' && url.searchParams.has('filed')),
    page.getByRole('button', { name: 'Save' }).click(),
  ]);
}

test.describe('where the money goes', () => {
  test('the charts agree with the list and the totals, and their bars filter it', async ({
    page,
  }) => {
    test.setTimeout(90_000);
    const transactions = await syncedUser(page, uniqueEmail('charts-gmail'));
    await expect(transactions.totalAmounts).toHaveText([SPENT.CRC, SPENT.USD]);

    const charts = page.getByRole('region', { name: 'Spending charts' });
    for (const [currency, spent] of Object.entries(SPENT)) {
      // Over time: the chart's total is the page's, and so is the sum of its bars.
      const overTime = charts.locator(`figure.spending[data-currency="${currency}"]`);
      await expect(overTime.locator('.total')).toHaveText(spent);
      const drawing = overTime.locator('svg');
      await expect(drawing).toHaveAccessibleName(`Spending in ${currency}, per month`);
      await expect(drawing).toHaveAccessibleDescription(new RegExp(`^${spent.replace('$', '\\$')} in this period\\.`));
      const perMonth = await overTime.locator('details.numbers td.amount').allTextContents();
      expect(perMonth.map(amount).reduce((a, b) => a + b, 0)).toBeCloseTo(amount(spent), 2);
      // By category: the shares of the same total.
      const byCategory = charts.locator(`figure.categories[data-currency="${currency}"]`);
      const amounts = await byCategory.locator('tbody tr td.amount:nth-of-type(1)').allTextContents();
      expect(amounts.map(amount).reduce((a, b) => a + b, 0)).toBeCloseTo(amount(spent), 2);
      // And the list: the rows that spend, in this currency.
      const listed = await transactions.rows.evaluateAll(
        (rows, [sign, kinds]) =>
          rows
            .filter((row) => kinds.includes(row.querySelector('td.kind')?.textContent ?? ''))
            .map((row) => row.querySelector('td.amount')?.textContent ?? '')
            .filter((text) => text.includes(sign)),
        [currency === 'CRC' ? '₡' : '$', SPENDING_KINDS] as const,
      );
      expect(listed.map(amount).reduce((a, b) => a + b, 0)).toBeCloseTo(amount(spent), 2);
    }

    // A category's bar lists that category only.
    const supermarkets = charts
      .locator('figure.categories[data-currency="CRC"] a[data-category="supermarkets"]')
      .first();
    await supermarkets.click();
    await expect(page).toHaveURL(/[?&]category=supermarkets(&|$)/);
    await expect(transactions.rows).toHaveCount(2);
    await expect(transactions.rows.locator('td.category')).toHaveText(['Supermarkets', 'Supermarkets']);
    await expect(page.getByLabel('Category', { exact: true })).toHaveValue('supermarkets');

    // A month's bar lists that month's days, until the whole period is asked for again.
    await transactions.goto();
    const december = charts
      .locator('figure.spending[data-currency="CRC"]')
      .getByRole('link', { name: /^Dec 2025: / });
    await december.click();
    await expect(page).toHaveURL(/[?&]from=2025-12-01&to=2025-12-31(&|$)/);
    await expect(transactions.rows).toHaveCount(3);
    await page.getByRole('link', { name: 'Show the whole period' }).click();
    await expect(transactions.rows).toHaveCount(4);
  });

  test('a category for all from a merchant files past and future transactions, and undoes', async ({
    page,
  }) => {
    test.setTimeout(90_000);
    const gmail = uniqueEmail('rule-gmail');
    const transactions = await syncedUser(page, gmail);
    const grocer = transactions.row(GROCER);
    await expect(category(grocer)).toHaveText('Supermarkets');

    // Only this one, then undone.
    await fileUnder(page, grocer, 'Health', 'one');
    const notice = page.getByRole('status').filter({ hasText: 'is now in Health' });
    await expect(notice).toHaveText(/This transaction from AUTO MERCADO LOS YOSES is now in Health\./);
    await expect(category(grocer)).toHaveText('Health');
    await waitForHydration(page);
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(page).not.toHaveURL(/filed=/);
    await expect(category(grocer)).toHaveText('Supermarkets');

    // All from the merchant: a rule.
    await fileUnder(page, grocer, 'Health', 'merchant');
    await expect(page.getByRole('status').filter({ hasText: 'is now in Health' })).toHaveText(
      /Every transaction from AUTO MERCADO LOS YOSES is now in Health\./,
    );
    await expect(transactions.rows.filter({ hasText: 'MAS X MENOS' }).locator('td.category')).toHaveText(
      'Supermarkets',
    );

    // A later alert from the same shop arrives, and is filed by the rule.
    await addGmailMessages(gmail, [{ raw: await laterGrocerAlert(gmail) }]);
    const connections = new ConnectionsPage(page);
    await connections.goto();
    await connections.syncNow(gmail);
    await connections.waitForSyncToFinish(gmail, SYNC_TIMEOUT);
    await page.goto('/transactions?period=all&category=health');
    await expect(transactions.rows).toHaveCount(2);
    await expect(transactions.rows.locator('td.merchant')).toHaveText([
      /AUTO MERCADO LOS YOSES/,
      /AUTO MERCADO LOS YOSES/,
    ]);
    // The CSV says so too.
    const csv = await (await page.request.get('/transactions.csv?period=all&category=health')).text();
    expect(csvRecords(csv).map((record) => record.category)).toEqual(['health', 'health']);
  });
});

test.describe('search, filters and categories without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a search, a filter and a change of category work as plain forms', async ({
    page,
    context,
    browser,
  }) => {
    test.setTimeout(90_000);
    await context.addCookies(await syncedUserCookies(browser, uniqueEmail('nojs-money')));
    const transactions = new TransactionsPage(page);
    await transactions.goto({}, { hydrate: false });
    await expect(transactions.rows).toHaveCount(4);

    // Any case, accents or not.
    await page.getByLabel('Merchant or person').fill('más x menos');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/[?&]q=m%C3%A1s\+x\+menos(&|$)/);
    await expect(transactions.rows).toHaveCount(1);
    await expect(transactions.rows.locator('td.merchant')).toHaveText(/MAS X MENOS CURRIDABAT/);

    // Kind, kept beside the search.
    await page.getByLabel('Merchant or person').fill('');
    await page.getByLabel('Kind').selectOption({ label: 'Declined' });
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/[?&]kind=declined(&|$)/);
    await expect(transactions.rows).toHaveCount(1);
    await expect(transactions.declinedRows).toHaveCount(1);

    // A change of category: the form posts, and the list comes back with the same filters.
    await fileUnder(page, transactions.rows.first(), 'Entertainment and subscriptions', 'merchant', {
      hydrate: false,
    });
    await expect(page).toHaveURL(/[?&]kind=declined(&|$)/);
    await expect(page.locator('body[data-hydrated]')).toHaveCount(0);
    await expect(page.getByRole('status').filter({ hasText: 'is now in' })).toHaveText(
      /Every transaction from TIENDA ELECTRONICA DEMO is now in Entertainment and subscriptions\./,
    );
    await expect(category(transactions.rows.first())).toHaveText('Entertainment and subscriptions');
  });
});

test.describe('a first look', () => {
  test('alerts from the last days chart this week per day, as the demo shows them', async ({ page }) => {
    test.setTimeout(60_000);
    const gmail = uniqueEmail('recent-gmail');
    const now = Date.now();
    // Three banks' layouts, each moved to a recent day (the demo's mailboxes are seeded so).
    await addGmailMessages(gmail, [
      { fixture: 'bac_2026_purchase_visa_crc.eml', internalDate: now - 3 * DAY, redate: true },
      { fixture: 'promerica_purchase_crc.eml', internalDate: now - 2 * DAY, redate: true },
      { fixture: 'bncr_voucher_usd.eml', internalDate: now - DAY, redate: true },
    ]);
    await signUp(page, uniqueEmail('recent'));
    await waitForHydration(page);
    await connectGmail(page, { email: gmail });
    await new ConnectionsPage(page).waitForSyncToFinish(gmail, SYNC_TIMEOUT);
    const transactions = new TransactionsPage(page);
    await transactions.goto();
    await expect(transactions.rows).toHaveCount(3);

    // Each happened on its mail's day, in the last four days.
    const csv = await (await page.request.get((await transactions.csvLink.getAttribute('href'))!)).text();
    const dates = csvRecords(csv).map((record) => Date.parse(record.date));
    expect(dates).toHaveLength(3);
    for (const date of dates) {
      expect(date).toBeGreaterThan(now - 4 * DAY);
      expect(date).toBeLessThan(now);
    }
    const charts = page.getByRole('region', { name: 'Spending charts' });
    await expect(charts.locator('figure.spending[data-currency="CRC"] svg')).toHaveAccessibleName(
      'Spending in CRC, per day',
    );
  });
});
