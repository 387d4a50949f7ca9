import fs from 'node:fs/promises';
import { expect, test, type Browser, type Page } from './support/test';
import { APP_URL } from './support/env';
import { csvRecords } from './support/csv';
import { addGmailMessages, connectGmail, gmailCallsFor } from './support/gmail';
import {
  ConnectionsPage,
  Header,
  NO_TRANSACTIONS,
  SignInPage,
  TransactionsPage,
  signUp,
  uniqueEmail,
  waitForHydration,
  type TransactionRowText,
} from './support/pages';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/**
 * How long a queued sync may take to start and finish: an idle worker looks for new jobs on its
 * heartbeat (every 10 s), so a sync can wait that long before it starts.
 */
const SYNC_TIMEOUT = 30_000;

/** One transaction a fixture mail holds, as the page and the CSV show it. */
type Expected = {
  /** When it happened, as the alert says (UTC milliseconds). */
  occurredAt: number;
  row: Omit<TransactionRowText, 'mailbox'>;
  csv: Record<string, string>;
};

// What each fixture's alert holds (server/src/alerts/fixtures/*.eml), newest first, the order the
// page and the CSV list them. Times are shown in Costa Rica time (UTC−6).
const SINPE_IN: Expected = {
  occurredAt: Date.UTC(2026, 0, 2, 15, 7),
  row: {
    when: '2 Jan 2026, 09:07',
    merchant: 'CARLOS ANDRES MORA DEMO',
    amount: '₡22,000.00',
    card: '—',
    bank: 'Banco de Costa Rica',
    kind: 'Transfer in',
    declined: false,
  },
  csv: {
    date: '2026-01-02T09:07:00-06:00',
    merchant: 'CARLOS ANDRES MORA DEMO',
    city: '',
    country: '',
    amount: '22000.00',
    currency: 'CRC',
    card: '',
    bank: 'Banco de Costa Rica',
    kind: 'Transfer in',
    category: 'transfers',
    authorization: '',
    reference: '2026010209070009876543',
  },
};
const BCR_STREAMFLIX: Expected = {
  occurredAt: Date.UTC(2025, 11, 6, 13, 15, 3),
  row: {
    when: '6 Dec 2025, 07:15',
    merchant: 'STREAMFLIX.COM',
    amount: '$25.99',
    card: '••9282',
    bank: 'Banco de Costa Rica',
    kind: 'Purchase',
    declined: false,
  },
  csv: {
    date: '2025-12-06T07:15:03-06:00',
    merchant: 'STREAMFLIX.COM',
    city: '',
    country: '',
    amount: '25.99',
    currency: 'USD',
    card: '9282',
    bank: 'Banco de Costa Rica',
    kind: 'Purchase',
    category: 'other',
    authorization: '771204',
    reference: '533912350077',
  },
};
const BCR_DECLINED: Expected = {
  occurredAt: Date.UTC(2025, 11, 6, 0, 2, 55),
  row: {
    when: '5 Dec 2025, 18:02',
    merchant: 'TIENDA ELECTRONICA DEMO',
    amount: '₡89,900.00',
    card: '••9282',
    bank: 'Banco de Costa Rica',
    kind: 'Declined',
    declined: true,
  },
  csv: {
    date: '2025-12-05T18:02:55-06:00',
    merchant: 'TIENDA ELECTRONICA DEMO',
    city: '',
    country: '',
    amount: '89900.00',
    currency: 'CRC',
    card: '9282',
    bank: 'Banco de Costa Rica',
    kind: 'Declined',
    category: 'other',
    authorization: '',
    reference: '533912349901',
  },
};
const BCR_MAS_X_MENOS: Expected = {
  occurredAt: Date.UTC(2025, 11, 5, 19, 45, 10),
  row: {
    when: '5 Dec 2025, 13:45',
    merchant: 'MAS X MENOS CURRIDABAT',
    amount: '₡12,500.00',
    card: '••9282',
    bank: 'Banco de Costa Rica',
    kind: 'Purchase',
    declined: false,
  },
  csv: {
    date: '2025-12-05T13:45:10-06:00',
    merchant: 'MAS X MENOS CURRIDABAT',
    city: '',
    country: '',
    amount: '12500.00',
    currency: 'CRC',
    card: '9282',
    bank: 'Banco de Costa Rica',
    kind: 'Purchase',
    category: 'supermarkets',
    authorization: '084213',
    reference: '533912345678',
  },
};
const BAC_CRC: Expected = {
  occurredAt: Date.UTC(2025, 10, 30, 15, 9),
  row: {
    when: '30 Nov 2025, 09:09',
    merchant: 'AUTO MERCADO LOS YOSES, SAN JOSE, Costa Rica',
    amount: '₡22,000.00',
    card: '••3640',
    bank: 'BAC Credomatic',
    kind: 'Purchase',
    declined: false,
  },
  csv: {
    date: '2025-11-30T09:09:00-06:00',
    merchant: 'AUTO MERCADO LOS YOSES',
    city: 'SAN JOSE',
    country: 'Costa Rica',
    amount: '22000.00',
    currency: 'CRC',
    card: '3640',
    bank: 'BAC Credomatic',
    kind: 'Purchase',
    category: 'supermarkets',
    authorization: '084512',
    reference: '533412345678',
  },
};
const BAC_USD: Expected = {
  occurredAt: Date.UTC(2025, 7, 3, 20, 5),
  row: {
    when: '3 Aug 2025, 14:05',
    merchant: 'LIBRERIA INTERNACIONAL MULTIPLAZA, ESCAZU, Costa Rica',
    amount: '$38.49',
    card: '••6380',
    bank: 'BAC Credomatic',
    kind: 'Purchase',
    declined: false,
  },
  csv: {
    date: '2025-08-03T14:05:00-06:00',
    merchant: 'LIBRERIA INTERNACIONAL MULTIPLAZA',
    city: 'ESCAZU',
    country: 'Costa Rica',
    amount: '38.49',
    currency: 'USD',
    card: '6380',
    bank: 'BAC Credomatic',
    kind: 'Purchase',
    category: 'other',
    authorization: '311907',
    reference: '521509876543',
  },
};

/** Every transaction of the genuine alerts below, newest first. */
const ALL = [SINPE_IN, BCR_STREAMFLIX, BCR_DECLINED, BCR_MAS_X_MENOS, BAC_CRC, BAC_USD];
/** Purchases count as spending; the declined row and money in do not. */
const SPENT = { CRC: '₡34,500.00', USD: '$64.48' };

/**
 * Mail that looks like bank alerts and must never become a transaction: a BAC address as the
 * display name of another sender, and a BCR alert whose topmost Gmail authentication failed.
 */
const IMPOSTORS = [
  { fixture: 'spoof_bac_display_name.eml', merchant: 'VERIFICACION DE CUENTA', amount: '$1,499.00' },
  {
    fixture: 'bcr_forged_unauthenticated.eml',
    merchant: 'TRANSFERENCIA PENDIENTE',
    amount: '₡250,000.00',
  },
];
/** A genuine alert that arrived before the first sync's 7-day window: left alone. */
const TOO_OLD = { fixture: 'bcr_card_base64.eml', merchant: 'SODA LA ESQUINA HEREDIA' };

/** The mail there before the account is connected: BAC alerts, a spoof, and old mail. */
function mailBeforeConnecting(now = Date.now()) {
  return [
    { fixture: 'bac_purchase_usd_ago.eml', internalDate: now - 5 * DAY },
    { fixture: 'bac_purchase_crc.eml', internalDate: now - 2 * DAY },
    { fixture: IMPOSTORS[0].fixture, internalDate: now - 1 * DAY },
    { fixture: TOO_OLD.fixture, internalDate: now - 10 * DAY },
  ];
}
/** Mail arriving after the first sync: BCR alerts and a forged one. */
const MAIL_ARRIVING_LATER = [
  { fixture: 'bcr_card_three_rows.eml' },
  { fixture: 'bcr_sinpe_in.eml' },
  { fixture: IMPOSTORS[1].fixture },
];
const BEFORE_CONNECTING = [BAC_CRC, BAC_USD];
const ARRIVING_LATER = [SINPE_IN, BCR_STREAMFLIX, BCR_DECLINED, BCR_MAS_X_MENOS];

function lastSynced(newTransactions: number): RegExp {
  const plural = newTransactions === 1 ? '' : 's';
  return new RegExp(`^Last synced .+ · ${newTransactions} new transaction${plural}$`);
}

function rowsOf(expected: Expected[], mailbox: string): TransactionRowText[] {
  return expected.map(({ row }) => ({ ...row, mailbox }));
}

/** A fresh user who connected `gmail` (its first sync done) and is on a hydrated /connections. */
async function connectAndSyncFirst(page: Page, gmail: string): Promise<ConnectionsPage> {
  await addGmailMessages(gmail, mailBeforeConnecting());
  await signUp(page, uniqueEmail('sync'));
  await waitForHydration(page);
  const connections = new ConnectionsPage(page);
  await connectGmail(page, { email: gmail });
  await expect(connections.account(gmail)).toHaveCount(1);
  // Connecting queues the first sync at once: it reads the last 7 days of mail.
  await connections.waitForSyncToFinish(gmail, SYNC_TIMEOUT);
  await expect(connections.syncState(gmail)).toHaveText(lastSynced(BEFORE_CONNECTING.length));
  await expect(connections.syncProblem(gmail)).toHaveCount(0);
  return connections;
}

/**
 * Presses "Sync now" and waits for the row to report the run it started: callers expect a count
 * of new transactions other than the one shown before.
 */
async function syncNow(connections: ConnectionsPage, gmail: string, expectNew: number) {
  const before = (await gmailCallsFor(gmail)).length;
  await expect(connections.syncState(gmail)).not.toHaveText(lastSynced(expectNew));
  await connections.syncNow(gmail);
  await connections.waitForSyncToFinish(gmail, SYNC_TIMEOUT);
  await expect(connections.syncState(gmail)).toHaveText(lastSynced(expectNew));
  await expect(connections.syncProblem(gmail)).toHaveCount(0);
  // The run asked Gmail (its history at least).
  expect((await gmailCallsFor(gmail)).length).toBeGreaterThan(before);
}

async function expectNoImpostors(transactions: TransactionsPage): Promise<void> {
  for (const { merchant, amount } of IMPOSTORS) {
    await expect(transactions.row(merchant)).toHaveCount(0);
    await expect(transactions.row(amount)).toHaveCount(0);
  }
  await expect(transactions.row(TOO_OLD.merchant)).toHaveCount(0);
}

/** Every transaction, each exactly once, with its amount, card and kind. */
async function expectAllTransactions(transactions: TransactionsPage, gmail: string) {
  await expect(transactions.rows).toHaveCount(ALL.length);
  await expect(transactions.count).toHaveText(`${ALL.length} transactions`);
  expect(await transactions.rowTexts()).toEqual(rowsOf(ALL, gmail));
  for (const { row } of ALL) {
    await expect(transactions.row(row.merchant)).toHaveCount(1);
  }
  await expect(transactions.declinedRows).toHaveCount(1);
  await expect(transactions.cell(transactions.declinedRows, 'merchant')).toHaveText(
    BCR_DECLINED.row.merchant,
  );
  const bacRow = transactions.row(BAC_CRC.row.merchant);
  await expect(transactions.cell(bacRow, 'amount')).toHaveText('₡22,000.00');
  await expect(transactions.cell(bacRow, 'card')).toHaveText('••3640');
  await expect(transactions.totals).toHaveText(`Spent: ${SPENT.CRC} · ${SPENT.USD}`);
  await expect(transactions.totalAmounts).toHaveText([SPENT.CRC, SPENT.USD]);
  await expect(transactions.pageOf).toHaveText('Page 1 of 1');
  await expectNoImpostors(transactions);
}

// A page whose WASM panics (a failed hydration, say) may still look loaded: fail on it.
let pageErrors: string[] = [];
test.beforeEach(({ context }) => {
  pageErrors = [];
  context.on('weberror', (error) => pageErrors.push(error.error().message));
});
test.afterEach(() => {
  expect(pageErrors, 'uncaught errors in the page').toEqual([]);
});

test.describe('mail sync', () => {
  test('alerts become transactions once each; spoofs never do; the CSV matches', async ({
    page,
  }) => {
    test.setTimeout(90_000);
    const gmail = uniqueEmail('sync-gmail');
    const connections = await connectAndSyncFirst(page, gmail);

    // New alerts arrive; "Sync now" reads what Gmail's history says was added.
    const laterIds = await addGmailMessages(gmail, MAIL_ARRIVING_LATER);
    await syncNow(connections, gmail, ARRIVING_LATER.length);
    // The forged alert was read and refused, not merely missed.
    const fetched = (await gmailCallsFor(gmail))
      .filter((call) => call.operation === 'get')
      .map((call) => call.messageId);
    expect(fetched).toEqual(expect.arrayContaining(laterIds));

    // The header's link; the page opens on all time.
    await new Header(page).transactionsLink.click();
    const transactions = new TransactionsPage(page);
    await transactions.expectLoaded();
    await expect(new Header(page).transactionsLink).toHaveAttribute('aria-current', 'page');
    // The filters are drawn with the page's data, so the rows (if any) are there too.
    await expect(transactions.filters).toBeVisible();
    await expect(transactions.periodSelect).toHaveValue('all');
    await expectAllTransactions(transactions, gmail);

    // The period filter keeps only the rows that happened in it.
    await transactions.applyFilters({ period: '30' });
    const inLast30Days = ALL.filter(({ occurredAt }) => occurredAt >= Date.now() - 30 * DAY);
    await expect(transactions.rows).toHaveCount(inLast30Days.length);

    // The same mail again changes nothing, and nothing already examined is fetched again.
    await new Header(page).connectionsLink.click();
    await connections.expectLoaded();
    const fetchesBefore = (await gmailCallsFor(gmail)).filter((c) => c.operation === 'get');
    await syncNow(connections, gmail, 0);
    const fetchesAfter = (await gmailCallsFor(gmail)).filter((c) => c.operation === 'get');
    expect(fetchesAfter).toHaveLength(fetchesBefore.length);

    await transactions.goto({ period: 'all' });
    await expectAllTransactions(transactions, gmail);

    // The CSV holds the same rows, with plain amounts and currencies.
    await expect(transactions.csvLink).toHaveAttribute('href', '/transactions.csv?period=all');
    const downloading = page.waitForEvent('download');
    await transactions.csvLink.click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('transactions.csv');
    const csvText = await fs.readFile(await download.path(), 'utf8');
    expect(csvRecords(csvText)).toEqual(ALL.map(({ csv }) => ({ ...csv, mailbox: gmail })));
    for (const { merchant } of [...IMPOSTORS, TOO_OLD]) {
      expect(csvText).not.toContain(merchant);
    }
    expect(csvText).not.toContain('1499');
    expect(csvText).not.toContain('250000');
  });

  test('a user with nothing synced sees the empty state', async ({ page }) => {
    await signUp(page, uniqueEmail('sync-empty'));
    const transactions = new TransactionsPage(page);
    await transactions.goto();
    await expect(transactions.emptyState).toHaveText(NO_TRANSACTIONS);
    await expect(transactions.emptyStateLink).toHaveAttribute('href', '/connections');
    await expect(transactions.table).toHaveCount(0);
    await expect(transactions.csvLink).toHaveCount(0);

    await transactions.applyFilters({ period: 'all' });
    await expect(transactions.emptyState).toHaveText(NO_TRANSACTIONS);
    await expect(transactions.rows).toHaveCount(0);
  });

  test('/transactions and its CSV are for signed-in users only', async ({ page }) => {
    await page.goto('/transactions');
    await expect(page).toHaveURL(/\/signin$/);
    await expect(new SignInPage(page).heading).toBeVisible();

    const csv = await page.request.get('/transactions.csv?period=all');
    expect(csv.status()).toBe(401);
  });
});

/** A user whose mailbox holds every alert, synced, in a context of its own; returns its cookies. */
async function syncedUserCookies(browser: Browser, gmail: string) {
  // The set-up needs the popup, so JavaScript, whatever the test's own context has.
  const context = await browser.newContext({ baseURL: APP_URL, javaScriptEnabled: true });
  try {
    const page = await context.newPage();
    const connections = await connectAndSyncFirst(page, gmail);
    await addGmailMessages(gmail, MAIL_ARRIVING_LATER);
    await syncNow(connections, gmail, ARRIVING_LATER.length);
    return await context.cookies();
  } finally {
    await context.close();
  }
}

test.describe('transactions before hydration (JavaScript disabled)', () => {
  test.use({ javaScriptEnabled: false });

  test('the server renders the rows, totals, filters and paging', async ({
    page,
    context,
    browser,
  }) => {
    test.setTimeout(90_000);
    const gmail = uniqueEmail('nojs-gmail');
    await context.addCookies(await syncedUserCookies(browser, gmail));

    const connections = new ConnectionsPage(page);
    await connections.goto({ hydrate: false });
    await expect(connections.syncState(gmail)).toHaveText(lastSynced(ARRIVING_LATER.length));

    const transactions = new TransactionsPage(page);
    await transactions.goto({}, { hydrate: false });
    await expect(transactions.periodSelect).toHaveValue('all');
    // The filter form is a plain GET form.
    await transactions.applyFilters({ period: 'all' }, { hydrate: false });
    await expect(page.locator('body[data-hydrated]')).toHaveCount(0);
    await expectAllTransactions(transactions, gmail);
    await expect(transactions.csvLink).toHaveAttribute('href', '/transactions.csv?period=all');

    // Choosing the mailbox by its address keeps every row (they all come from it).
    await transactions.applyFilters({ mailbox: gmail }, { hydrate: false });
    await expect(page).toHaveURL(/[?&]mailbox=\d+/);
    await expect(transactions.rows).toHaveCount(ALL.length);
  });
});
