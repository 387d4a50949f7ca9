import { expect, test, type Locator, type Page } from './support/test';
import { GmailConnections, TOAST, connectGmail, fakeGrants } from './support/gmail';
import { connectOutlook } from './support/outlook';
import {
  PASSWORD,
  SignInPage,
  signIn,
  signUp,
  uniqueEmail,
  waitForHydration,
} from './support/pages';

/** The /account page's parts. */
class AccountPage {
  readonly heading: Locator;
  readonly currentPassword: Locator;
  readonly newPassword: Locator;
  readonly changeButton: Locator;
  readonly changed: Locator;
  readonly removal: Locator;
  readonly deletePassword: Locator;
  readonly deleteButton: Locator;
  readonly error: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Your account', level: 1 });
    this.currentPassword = page.getByLabel('Current password', { exact: true });
    this.newPassword = page.getByLabel('New password', { exact: true });
    this.changeButton = page.getByRole('button', { name: 'Change password' });
    this.changed = page.getByRole('status').filter({ hasText: 'Password changed.' });
    this.removal = page.getByLabel('What will be removed');
    this.deletePassword = page.getByLabel('Password', { exact: true });
    this.deleteButton = page.getByRole('button', { name: 'Delete my account' });
    this.error = page.locator('main').getByRole('alert');
  }

  async goto(): Promise<void> {
    await this.page.goto('/account');
    await expect(this.heading).toBeVisible();
    await waitForHydration(this.page);
  }
}

test.describe('leaving', () => {
  test('a new password signs the other browser out and is the only one that works', async ({
    page,
    browser,
  }) => {
    const email = uniqueEmail('changer');
    await signUp(page, email);
    const laptop = await browser.newPage();
    await signIn(laptop, email);

    const account = new AccountPage(page);
    await account.goto();
    await account.currentPassword.fill('not my password');
    await account.newPassword.fill('a brand new passphrase');
    await account.changeButton.click();
    await expect(account.error).toHaveText('That password is not right.');

    await account.currentPassword.fill(PASSWORD);
    await account.changeButton.click();
    await expect(account.changed).toBeVisible();

    await laptop.goto('/connections');
    await expect(laptop).toHaveURL(/\/signin$/);
    const signInPage = new SignInPage(laptop);
    await signInPage.goto();
    await signInPage.submit(email, PASSWORD);
    await expect(signInPage.error).toHaveText('Incorrect email or password.');
    await signIn(laptop, email, 'a brand new passphrase');
    await laptop.close();
  });

  test('deleting the account shows what goes at each service, revokes at Google and signs out', async ({
    page,
  }) => {
    const email = uniqueEmail('leaver');
    await signUp(page, email);
    await waitForHydration(page);
    const gmail = uniqueEmail('leaving-gmail');
    await connectGmail(page, { email: gmail });
    await expect(new GmailConnections(page).toast(TOAST.connected(gmail))).toBeVisible();

    const outlook = uniqueEmail('leaving-outlook');
    await connectOutlook(page, { email: outlook });
    await expect(new GmailConnections(page).toast(TOAST.connected(outlook))).toBeVisible();

    const account = new AccountPage(page);
    await account.goto();
    // Each mailbox says what happens at its own service.
    await expect(account.removal.locator('li', { hasText: gmail })).toContainText(
      'our access is revoked at Google',
    );
    const outlookItem = account.removal.locator('li', { hasText: outlook });
    await expect(outlookItem).toContainText('Microsoft keeps our access until you remove it');
    await expect(outlookItem).not.toContainText('Google');

    await account.deletePassword.fill('not my password');
    await account.deleteButton.click();
    await expect(account.error).toHaveText('That password is not right.');

    await account.deletePassword.fill(PASSWORD);
    await account.deleteButton.click();
    await expect(page).toHaveURL(/\/signup$/);
    for (const grant of await fakeGrants(gmail)) expect(grant.revoked).toBe(true);

    await page.goto('/connections');
    await expect(page).toHaveURL(/\/signin$/);
    const signInPage = new SignInPage(page);
    await signInPage.goto();
    await signInPage.submit(email, PASSWORD);
    await expect(signInPage.error).toHaveText('Incorrect email or password.');
  });
});
