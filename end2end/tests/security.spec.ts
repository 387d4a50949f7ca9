import { expect, test, type Page } from './support/test';
import { APP_URL, FAKE_GOOGLE } from './support/env';
import { GmailConnections, TOAST, connectGmail } from './support/gmail';
import {
  PASSWORD,
  SignInPage,
  signUp,
  uniqueEmail,
  waitForHydration,
} from './support/pages';

/** A page on another site (served by Playwright itself) that the victim's browser visits. */
const ATTACKER = 'http://attacker.test';

async function visitAttacker(page: Page, body: string): Promise<void> {
  await page.route(`${ATTACKER}/**`, (route) =>
    route.fulfill({ contentType: 'text/html', body: `<!DOCTYPE html><html><body>${body}</body></html>` }),
  );
  await page.goto(`${ATTACKER}/`);
}

/** A form on the attacker's page that posts `fields` to one of our server functions. */
function postingForm(endpoint: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
    .join('');
  return `<form method="post" action="${APP_URL}/api/${endpoint}">${inputs}<button>Win a prize</button></form>`;
}

/** Clicks the attacker's button and returns our server's answer to what it sent. */
async function submitAttack(page: Page, endpoint: string): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().startsWith(`${APP_URL}${endpoint}`)),
    page.getByRole('button', { name: 'Win a prize' }).click(),
  ]);
  return response.status();
}

test.describe('cross-site requests', () => {
  test('a cross-site form cannot sign the browser in to the attacker’s account', async ({
    page,
    browser,
  }) => {
    // The attacker's own account, made in another browser.
    const attacker = uniqueEmail('mallory');
    const elsewhere = await browser.newPage();
    await signUp(elsewhere, attacker);
    await elsewhere.close();

    await visitAttacker(page, postingForm('sign_in', { email: attacker, password: PASSWORD }));
    expect(await submitAttack(page, '/api/sign_in')).toBe(403);

    // The victim's browser is still signed out: no session was planted.
    await page.goto('/connections');
    await expect(page).toHaveURL(/\/signin$/);
  });

  test('a cross-site form cannot create an account', async ({ page }) => {
    const victim = uniqueEmail('victim');
    await visitAttacker(page, postingForm('sign_up', { email: victim, password: PASSWORD }));
    expect(await submitAttack(page, '/api/sign_up')).toBe(403);

    const signIn = new SignInPage(page);
    await signIn.goto();
    await signIn.submit(victim, PASSWORD);
    await expect(signIn.error).toHaveText('Incorrect email or password.');
  });

  test('a cross-site link cannot start a Gmail connection', async ({ page }) => {
    await signUp(page, uniqueEmail('linked'));
    const toGoogle: string[] = [];
    page.context().on('request', (request) => {
      if (request.url().startsWith(FAKE_GOOGLE)) toGoogle.push(request.url());
    });
    await visitAttacker(
      page,
      `<a href="${APP_URL}/auth/gmail/start?flow=attack">Win a prize</a>`,
    );
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${APP_URL}/auth/gmail/start`)),
      page.getByRole('link', { name: 'Win a prize' }).click(),
    ]);
    expect(response.status()).toBe(403);
    expect(toGoogle, 'the browser never went to Google').toEqual([]);
  });

  test('a cross-site form cannot disconnect an account', async ({ page }) => {
    await signUp(page, uniqueEmail('owner'));
    await waitForHydration(page);
    const gmail = uniqueEmail('kept');
    await connectGmail(page, { email: gmail });
    const connections = new GmailConnections(page);
    await expect(connections.toast(TOAST.connected(gmail))).toBeVisible();
    const id = await connections.account(gmail).getAttribute('data-account-id');

    // Both server functions that disconnect, the question page's form posting to the second.
    for (const endpoint of ['disconnect_account', 'confirm_disconnect']) {
      await visitAttacker(page, postingForm(endpoint, { account_id: id ?? '1' }));
      expect(await submitAttack(page, `/api/${endpoint}`)).toBe(403);
    }

    await page.goto('/connections');
    await expect(connections.account(gmail)).toHaveCount(1);
  });
});

test.describe('content security policy', () => {
  test('every page has a nonce policy, its scripts carry the nonce, and it hydrates', async ({
    page,
  }) => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) violations.push(message.text());
    });
    for (const path of ['/signin', '/signup']) {
      const response = await page.goto(path);
      const policy = response?.headers()['content-security-policy'] ?? '';
      const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
      expect(nonce, `${path}: ${policy}`).toBeTruthy();
      expect(policy).toContain("frame-ancestors 'none'");
      expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin-allow-popups');
      await waitForHydration(page);
      const nonces = await page.evaluate(() =>
        Array.from(document.querySelectorAll('script')).map((script) => script.nonce),
      );
      expect(nonces.length).toBeGreaterThan(0);
      for (const scriptNonce of nonces) expect(scriptNonce).toBe(nonce);
    }
    expect(violations).toEqual([]);
  });
});
