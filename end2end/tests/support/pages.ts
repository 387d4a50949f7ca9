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
      `${page.url()} did not hydrate: the WASM bundle did not load or failed. A server binary built by ` +
        'plain `cargo build` asks for /pkg/<name>_bg.wasm; build it with `cargo leptos build`.',
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

export class ConnectionsPage {
  readonly heading: Locator;
  readonly accountsHeading: Locator;
  readonly emptyState: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Email Connections', level: 1 });
    this.accountsHeading = page.getByRole('heading', { name: 'Connected Accounts', level: 2 });
    this.emptyState = page
      .getByRole('region', { name: 'Connected Accounts' })
      .getByText('No email accounts connected yet.');
  }

  async expectLoaded(): Promise<void> {
    await expect(this.page).toHaveURL(/\/connections$/);
    await expect(this.heading).toBeVisible();
    await expect(this.accountsHeading).toBeVisible();
  }
}

/** The top bar on every page. */
export class Header {
  readonly bar: Locator;
  readonly signOutButton: Locator;

  constructor(readonly page: Page) {
    this.bar = page.locator('header.topbar');
    this.signOutButton = this.bar.getByRole('button', { name: 'Sign out' });
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
