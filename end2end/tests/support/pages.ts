import { expect, type Locator, type Page } from '@playwright/test';

/**
 * Waits until the WASM bundle has hydrated the server-rendered page. Before that, a click on a
 * form button is a plain HTML form POST, so every helper that clicks waits here first. The app
 * marks a hydrated page with `data-hydrated` on `<body>`.
 */
export async function waitForHydration(page: Page, timeout = 15_000): Promise<void> {
  try {
    await page.locator('body[data-hydrated]').waitFor({ state: 'attached', timeout });
  } catch (error) {
    throw new Error(
      `${page.url()} did not hydrate: the WASM bundle did not load or failed. Build the server and ` +
        'the site together (scripts/build-site.sh) so that they agree on the bundle.',
      { cause: error },
    );
  }
}

/** An address no other test uses, so tests never collide in the one shared database. */
export function uniqueEmail(prefix = 'user'): string {
  const random = Math.random().toString(36).slice(2, 8);
  return `${prefix}-${Date.now()}-${random}@example.com`;
}

export const PASSWORD = 'correct horse battery';

type GotoOptions = {
  /** Wait for the WASM bundle; turn off when JavaScript is disabled. */
  hydrate?: boolean;
};

/** The fields and error line shared by /signup and /signin. */
abstract class CredentialsPage {
  readonly email: Locator;
  readonly password: Locator;
  readonly error: Locator;
  abstract readonly heading: Locator;
  abstract readonly submitButton: Locator;
  protected abstract readonly path: string;

  constructor(readonly page: Page) {
    this.email = page.getByLabel('Email', { exact: true });
    this.password = page.getByLabel('Password', { exact: true });
    this.error = page.locator('main').getByRole('alert');
  }

  async goto({ hydrate = true }: GotoOptions = {}): Promise<void> {
    await this.page.goto(this.path);
    await expect(this.heading).toBeVisible();
    if (hydrate) await waitForHydration(this.page);
  }

  /** Fills the form and submits it; the caller checks where that led. */
  async submit(email: string, password: string): Promise<void> {
    await this.email.fill(email);
    await this.password.fill(password);
    await this.submitButton.click();
  }
}

export class SignUpPage extends CredentialsPage {
  readonly heading = this.page.getByRole('heading', { name: 'Create your account' });
  readonly submitButton = this.page.getByRole('button', { name: 'Sign up' });
  readonly signInLink = this.page.locator('main').getByRole('link', { name: 'Sign in' });
  protected readonly path = '/signup';
}

export class SignInPage extends CredentialsPage {
  readonly heading = this.page.getByRole('heading', { name: 'Sign in', level: 1 });
  readonly submitButton = this.page.locator('main').getByRole('button', { name: 'Sign in' });
  protected readonly path = '/signin';
}

export const SYNCING = 'Syncing…';

export class ConnectionsPage {
  readonly heading: Locator;
  readonly accountsHeading: Locator;
  readonly emptyState: Locator;
  /** Every connected mailbox's row; `data-account-id` holds its id. */
  readonly accounts: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Email Connections', level: 1 });
    this.accountsHeading = page.getByRole('heading', { name: 'Connected Accounts', level: 2 });
    this.emptyState = page
      .getByRole('region', { name: 'Connected Accounts' })
      .getByText('No email accounts connected yet.');
    this.accounts = page.locator('li.account');
  }

  async goto({ hydrate = true }: GotoOptions = {}): Promise<void> {
    await this.page.goto('/connections');
    await this.expectLoaded();
    if (hydrate) await waitForHydration(this.page);
  }

  async expectLoaded(): Promise<void> {
    await expect(this.page).toHaveURL(/\/connections$/);
    await expect(this.heading).toBeVisible();
    await expect(this.accountsHeading).toBeVisible();
  }

  account(email: string): Locator {
    return this.accounts.filter({ has: this.page.getByText(email, { exact: true }) });
  }

  /** "Syncing…" while a sync is queued or running, else the last sync's summary. */
  syncState(email: string): Locator {
    return this.account(email).locator('.sync-state');
  }

  /** Why the last sync failed and what happens next; absent when nothing is wrong. */
  syncProblem(email: string): Locator {
    return this.account(email).locator('.sync-problem');
  }

  /** Disabled while the account syncs. */
  syncNowButton(email: string): Locator {
    return this.page.getByRole('button', { name: `Sync now ${email}`, exact: true });
  }

  /**
   * Presses "Sync now" on the hydrated page. The row says "Syncing…" at once; a fast sync may
   * already be over by the time the caller looks, so this checks nothing after the click.
   */
  async syncNow(email: string): Promise<void> {
    await waitForHydration(this.page);
    await expect(this.syncNowButton(email)).toBeEnabled();
    await this.syncNowButton(email).click();
  }

  /**
   * Waits until the row no longer syncs (`data-syncing="false"`). The page re-reads the list
   * when its event stream says the sync ended, so this needs no reload.
   */
  async waitForSyncToFinish(email: string, timeout = 20_000): Promise<void> {
    await expect(this.account(email)).toHaveAttribute('data-syncing', 'false', { timeout });
    // Just after "Sync now" the row may not say so yet: the state's own wait is as long.
    await expect(this.syncState(email)).not.toHaveText(SYNCING, { timeout });
  }
}

/** The exact text /transactions shows when nothing matches. */
export const NO_TRANSACTIONS =
  "No transactions yet. Connect a mailbox and we'll find your bank alerts.";

/** The `<td>` of each column of the transactions table. */
export const TRANSACTION_COLUMNS = {
  when: 'td.when',
  merchant: 'td.merchant',
  amount: 'td.amount',
  /** "••3640", or "—" when the alert names no card. */
  card: 'td.card-number',
  bank: 'td.bank',
  mailbox: 'td.mailbox',
  kind: 'td.kind',
} as const;

export type TransactionColumn = keyof typeof TRANSACTION_COLUMNS;

/** One table row as text, plus whether it is marked declined. */
export type TransactionRowText = Record<TransactionColumn, string> & { declined: boolean };

export type TransactionPeriod = '7' | '30' | '90' | 'all';

/** The page's URL values; omitted ones take the page's defaults (all, 30 days, page 1). */
export type TransactionFilters = {
  /** An account id (`data-account-id` on /connections). */
  mailbox?: number | string;
  period?: TransactionPeriod;
  page?: number;
};

export class TransactionsPage {
  readonly heading: Locator;
  readonly filters: Locator;
  readonly mailboxSelect: Locator;
  readonly periodSelect: Locator;
  readonly applyButton: Locator;
  /** "Spent: ₡45,500.00 · $10.00"; each amount is a `.total` with `data-currency`. */
  readonly totals: Locator;
  readonly totalAmounts: Locator;
  /** "120 transactions": rows matching the filters over all pages. */
  readonly count: Locator;
  readonly table: Locator;
  readonly rows: Locator;
  readonly declinedRows: Locator;
  readonly emptyState: Locator;
  readonly emptyStateLink: Locator;
  /** `/transactions.csv?…` with the current filters, a `download` link. */
  readonly csvLink: Locator;
  readonly pager: Locator;
  /** "Page 2 of 5". */
  readonly pageOf: Locator;
  readonly previousLink: Locator;
  readonly nextLink: Locator;
  readonly error: Locator;
  /** Bank mail that could not be read: one `.unread-bank` (with `data-bank`) per bank. */
  readonly unreadNote: Locator;

  constructor(readonly page: Page) {
    const main = page.locator('main');
    this.heading = page.getByRole('heading', { name: 'Transactions', level: 1 });
    this.unreadNote = main.getByRole('region', { name: 'Bank mail that could not be read' });
    this.filters = main.getByRole('search', { name: 'Filters' });
    this.mailboxSelect = this.filters.getByLabel('Mailbox', { exact: true });
    this.periodSelect = this.filters.getByLabel('Period', { exact: true });
    this.applyButton = this.filters.getByRole('button', { name: 'Apply', exact: true });
    this.totals = main.locator('p.totals');
    this.totalAmounts = this.totals.locator('.total');
    this.count = main.locator('p.count');
    this.table = main.getByRole('table', { name: 'Transactions' });
    this.rows = this.table.locator('tbody tr.transaction');
    this.declinedRows = this.table.locator('tbody tr.transaction.declined');
    this.emptyState = main.locator('p.empty').filter({ hasText: NO_TRANSACTIONS });
    this.emptyStateLink = this.emptyState.getByRole('link', { name: 'Connect a mailbox' });
    this.csvLink = main.getByRole('link', { name: 'Download CSV', exact: true });
    this.pager = main.getByRole('navigation', { name: 'Pages' });
    this.pageOf = this.pager.locator('.page-of');
    this.previousLink = this.pager.getByRole('link', { name: 'Previous', exact: true });
    this.nextLink = this.pager.getByRole('link', { name: 'Next', exact: true });
    this.error = main.getByRole('alert');
  }

  static url(filters: TransactionFilters = {}): string {
    const query = new URLSearchParams();
    if (filters.mailbox !== undefined) query.set('mailbox', String(filters.mailbox));
    if (filters.period !== undefined) query.set('period', filters.period);
    if (filters.page !== undefined) query.set('page', String(filters.page));
    const search = query.toString();
    return search ? `/transactions?${search}` : '/transactions';
  }

  async goto(
    filters: TransactionFilters = {},
    { hydrate = true }: GotoOptions = {},
  ): Promise<void> {
    await this.page.goto(TransactionsPage.url(filters));
    await this.expectLoaded();
    if (hydrate) await waitForHydration(this.page);
  }

  async expectLoaded(): Promise<void> {
    await expect(this.page).toHaveURL(/\/transactions(\?.*)?$/);
    await expect(this.heading).toBeVisible();
  }

  /**
   * Chooses filters in the form and applies them: a plain GET form, so this loads the page again
   * (back to page 1) with or without JavaScript. `mailbox` is the mailbox's address as listed,
   * or "All mailboxes".
   */
  async applyFilters(
    { mailbox, period }: { mailbox?: string; period?: TransactionPeriod },
    { hydrate = true }: GotoOptions = {},
  ): Promise<void> {
    if (mailbox !== undefined) await this.mailboxSelect.selectOption({ label: mailbox });
    if (period !== undefined) await this.periodSelect.selectOption(period);
    const wanted = {
      mailbox: await this.mailboxSelect.inputValue(),
      period: await this.periodSelect.inputValue(),
    };
    await Promise.all([
      this.page.waitForURL(
        (url) =>
          url.pathname === '/transactions' &&
          (url.searchParams.get('mailbox') ?? '') === wanted.mailbox &&
          url.searchParams.get('period') === wanted.period,
      ),
      this.applyButton.click(),
    ]);
    await this.expectLoaded();
    if (hydrate) await waitForHydration(this.page);
  }

  /** Follows "Next" and waits until the next page is shown. */
  async nextPage(): Promise<void> {
    await this.followPageLink(this.nextLink, 1);
  }

  /** Follows "Previous" and waits until the previous page is shown. */
  async previousPage(): Promise<void> {
    await this.followPageLink(this.previousLink, -1);
  }

  /** The page number shown in "Page N of M". */
  async currentPage(): Promise<{ page: number; pages: number }> {
    const text = (await this.pageOf.textContent()) ?? '';
    const match = /Page (\d+) of (\d+)/.exec(text);
    if (!match) throw new Error(`no page number in "${text}"`);
    return { page: Number(match[1]), pages: Number(match[2]) };
  }

  /** Rows containing `text` (a merchant, an amount, …). */
  row(text: string): Locator {
    return this.rows.filter({ hasText: text });
  }

  cell(row: Locator, column: TransactionColumn): Locator {
    return row.locator(TRANSACTION_COLUMNS[column]);
  }

  /** Every row on this page as text, in the order shown (newest first). */
  rowTexts(): Promise<TransactionRowText[]> {
    return this.rows.evaluateAll(
      (rows, columns) =>
        rows.map((row) => {
          const text: Record<string, string | boolean> = {
            declined: row.classList.contains('declined'),
          };
          for (const [name, selector] of Object.entries(columns)) {
            text[name] = (row.querySelector(selector)?.textContent ?? '').trim();
          }
          return text as TransactionRowText;
        }),
      TRANSACTION_COLUMNS,
    );
  }

  private async followPageLink(link: Locator, step: 1 | -1): Promise<void> {
    const { page } = await this.currentPage();
    const target = page + step;
    await link.click();
    await expect(this.page).toHaveURL(new RegExp(`[?&]page=${target}(&|$)`));
    await expect(this.pageOf).toHaveText(new RegExp(`^Page ${target} of \\d+$`));
  }
}

/** The top bar on every page. */
export class Header {
  readonly bar: Locator;
  readonly signOutButton: Locator;
  /** Signed-in users only; the current page's link has `aria-current="page"`. */
  readonly transactionsLink: Locator;
  readonly connectionsLink: Locator;

  constructor(readonly page: Page) {
    this.bar = page.locator('header.topbar');
    this.signOutButton = this.bar.getByRole('button', { name: 'Sign out' });
    const nav = this.bar.getByRole('navigation', { name: 'Main' });
    this.transactionsLink = nav.getByRole('link', { name: 'Transactions', exact: true });
    this.connectionsLink = nav.getByRole('link', { name: 'Connections', exact: true });
  }

  async expectSignedInAs(email: string): Promise<void> {
    await expect(this.bar).toContainText(email);
    await expect(this.signOutButton).toBeVisible();
  }
}

/** Creates an account through /signup and waits for the connections page. */
export async function signUp(page: Page, email: string, password = PASSWORD): Promise<void> {
  const signUpPage = new SignUpPage(page);
  await signUpPage.goto();
  await signUpPage.submit(email, password);
  await new ConnectionsPage(page).expectLoaded();
}

/** Signs in through /signin and waits for the connections page. */
export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  const signInPage = new SignInPage(page);
  await signInPage.goto();
  await signInPage.submit(email, password);
  await new ConnectionsPage(page).expectLoaded();
}

/** Signs out with the header's button and waits for /signin. */
export async function signOut(page: Page): Promise<void> {
  await waitForHydration(page);
  await new Header(page).signOutButton.click();
  await expect(page).toHaveURL(/\/signin$/);
  await expect(new SignInPage(page).heading).toBeVisible();
}
