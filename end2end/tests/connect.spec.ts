import { randomUUID } from 'node:crypto';
import { expect, test, type Page } from './support/test';
import { APP_URL } from './support/env';
import {
  GMAIL_SCOPE,
  GmailConnections,
  TOAST,
  codeExchanges,
  connectGmail,
  fakeCalls,
  fakeGrants,
  openConsent,
  recordToasts,
  revokeAllAt,
  s256,
  shownToasts,
  timesShown,
} from './support/gmail';
import { ConnectionsPage, signUp, uniqueEmail, waitForHydration } from './support/pages';

const INVALID_LINK =
  'This connection link is not valid. Please start again from your connections page.';
const USED_LINK = 'This connection link was already used. Please try again.';

/** Signs a new user up and leaves them on a hydrated /connections that logs its toasts. */
async function signedInConnections(page: Page, prefix: string): Promise<GmailConnections> {
  await recordToasts(page);
  await signUp(page, uniqueEmail(prefix));
  await waitForHydration(page);
  return new GmailConnections(page);
}

/** A Google account address no other test signs in with at the fake. */
function gmailAddress(prefix = 'gmail'): string {
  return uniqueEmail(prefix);
}

test.describe('connect Gmail', () => {
  test('connects an account through the popup with PKCE S256', async ({ page }) => {
    // Every page of the flow (ours, the fake Google's, the popup's result) reports any Content
    // Security Policy violation to the console; there must be none.
    const violations: string[] = [];
    page.context().on('console', (message) => {
      if (message.text().includes('Content Security Policy')) violations.push(message.text());
    });
    await page.context().addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) =>
        console.error(`Content Security Policy violation: ${event.violatedDirective}`),
      );
    });
    const connections = await signedInConnections(page, 'connect');
    const gmail = gmailAddress();

    const { startUrl, authorizeUrl, callbackUrl } = await connectGmail(page, { email: gmail });

    // The page opened the start route with a random flow id.
    expect(startUrl.pathname).toBe('/auth/gmail/start');
    expect(startUrl.searchParams.get('flow')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    // The authorization request Google saw.
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('access_type')).toBe('offline');
    expect(authorizeUrl.searchParams.get('prompt')).toBe('consent');
    expect(authorizeUrl.searchParams.get('scope')?.split(' ')).toContain(GMAIL_SCOPE);
    const challenge = authorizeUrl.searchParams.get('code_challenge');
    const state = authorizeUrl.searchParams.get('state');
    expect(challenge).toBeTruthy();
    expect(state).toBeTruthy();
    expect(callbackUrl.searchParams.get('state')).toBe(state);
    const code = callbackUrl.searchParams.get('code');
    expect(code).toBeTruthy();

    await expect(connections.toast(TOAST.connected(gmail))).toBeVisible();
    const row = connections.account(gmail);
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('Connected on');
    await expect(row).toContainText('Token expires:');
    // One time zone on the page: Costa Rica's, as the sync times and the transactions.
    await expect(row).not.toContainText('UTC');
    await expect(row.locator('.status')).toHaveText('Active');
    await expect(connections.disconnectButton(gmail)).toBeVisible();
    await expect(connections.connectButton).toHaveText('Connect Gmail');
    await expect(connections.connectButton).toBeEnabled();

    // Exactly one code exchange for this attempt, with the verifier behind the challenge.
    const exchanges = (await codeExchanges()).filter((call) => call.params.code === code);
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0].status).toBe(200);
    const verifier = exchanges[0].params.code_verifier;
    expect(typeof verifier).toBe('string');
    expect(s256(verifier as string)).toBe(challenge);

    // The fake recorded the same challenge for the authorization request with this state.
    const authorizations = (await fakeCalls({ endpoint: 'authorize' })).filter(
      (call) => call.params.state === state,
    );
    expect(authorizations).toHaveLength(1);
    expect(authorizations[0].params.code_challenge).toBe(challenge);

    // Still there after a fresh server render.
    await page.reload();
    await expect(connections.account(gmail)).toHaveCount(1);
    await waitForHydration(page);
    expect(violations).toEqual([]);
  });

  test('deny: one "cancelled" toast and nothing connected', async ({ page }) => {
    const connections = await signedInConnections(page, 'deny');
    const gmail = gmailAddress('denied');

    const { callbackUrl } = await connectGmail(page, { email: gmail, decision: 'Deny' });
    expect(callbackUrl.searchParams.get('error')).toBe('access_denied');

    // The popup has closed itself by now; the toast came with its message.
    await expect.poll(() => timesShown(page, TOAST.cancelled)).toBe(1);
    // The attempt has ended (and its closed-popup watcher with it): no second toast can follow.
    await expect(connections.connectButton).toHaveAttribute('data-popup-endings', '1');
    expect(await timesShown(page, TOAST.cancelled)).toBe(1);
    await expect(connections.connectButton).toHaveText('Connect Gmail');
    await expect(connections.connectButton).toBeEnabled();
    await expect(connections.accounts).toHaveCount(0);
    await expect(new ConnectionsPage(page).emptyState).toBeVisible();
    expect(await fakeGrants(gmail)).toHaveLength(0);
  });

  test('a popup that lost its opener still reports, over the channel', async ({ page }) => {
    const connections = await signedInConnections(page, 'no-opener');
    const gmail = gmailAddress();
    const { popup } = await openConsent(page);
    // As when the browser severs `window.opener` on the way through Google.
    await popup.addInitScript(() => {
      Object.defineProperty(window, 'opener', { get: () => null });
    });
    await popup.getByLabel('Email', { exact: true }).fill(gmail);
    await popup.getByRole('button', { name: 'Allow', exact: true }).click();
    // Without an opener the result page stays open, with a way back.
    await expect(popup.locator('#fallback')).toBeVisible();

    await expect(connections.toast(TOAST.connected(gmail))).toHaveCount(1);
    await expect(connections.account(gmail)).toHaveCount(1);
    await expect(connections.connectButton).toBeEnabled();
    await popup.close();
  });

  test("a stale popup's or another tab's report is ignored", async ({ page }) => {
    const connections = await signedInConnections(page, 'stale');
    const { popup } = await openConsent(page);
    // Reports for another attempt: posted to this page, and on the channel from another tab.
    await page.evaluate((origin) => {
      const stale = { type: 'GMAIL_AUTH_SUCCESS', message: 'Connected someone@else.', flow: 'old' };
      window.postMessage(stale, origin);
      window.postMessage({ ...stale, flow: undefined }, origin);
    }, new URL(page.url()).origin);
    const other = await page.context().newPage();
    await other.goto('/connections');
    await other.evaluate(() => {
      new BroadcastChannel('mailconnect-gmail-auth').postMessage({
        type: 'GMAIL_AUTH_ERROR',
        message: 'Spoofed failure',
        flow: 'not-this-one',
      });
    });
    await page.waitForTimeout(500);
    await expect(connections.toasts).toHaveCount(0);
    await expect(connections.connectButton).toBeDisabled();

    // The real popup's own report still ends the attempt.
    await popup.close();
    await expect(connections.toast(TOAST.cancelled)).toHaveCount(1);
    await other.close();
  });

  test('closing the popup cancels once and frees the button', async ({ page }) => {
    const connections = await signedInConnections(page, 'closed');

    const { popup } = await openConsent(page);
    await expect(connections.connectButton).toHaveText('Connecting...');
    await expect(connections.connectButton).toBeDisabled();

    await popup.close();
    await expect(connections.toast(TOAST.cancelled)).toHaveCount(1);
    await expect(connections.connectButton).toHaveText('Connect Gmail');
    await expect(connections.connectButton).toBeEnabled();
    // The attempt has ended (its listeners are gone): the cancellation cannot be reported twice.
    await expect(connections.connectButton).toHaveAttribute('data-popup-endings', '1');
    expect(await timesShown(page, TOAST.cancelled)).toBe(1);
    expect(await shownToasts(page)).toEqual([TOAST.cancelled]);
    await expect(connections.accounts).toHaveCount(0);
  });

  test('without the Gmail scope: a permission message, no account, grant revoked', async ({
    page,
  }) => {
    const connections = await signedInConnections(page, 'noscope');
    const gmail = gmailAddress('noscope');

    const { callbackUrl } = await connectGmail(page, {
      email: gmail,
      withoutGmail: true,
      waitForClose: false,
    });
    expect(callbackUrl.searchParams.get('scope')?.split(' ') ?? []).not.toContain(GMAIL_SCOPE);

    await expect(connections.toast(TOAST.permissionMissing)).toHaveCount(1);
    await expect(connections.accounts).toHaveCount(0);
    await page.reload();
    await expect(new ConnectionsPage(page).emptyState).toBeVisible();
    await expect(connections.accounts).toHaveCount(0);

    // The grant the exchange created was revoked at Google (nothing else revokes it here).
    const grants = await fakeGrants(gmail);
    expect(grants.length).toBeGreaterThanOrEqual(1);
    for (const grant of grants) expect(grant.revoked).toBe(true);
  });

  test('two different Google accounts are both listed', async ({ page }) => {
    const connections = await signedInConnections(page, 'two');
    const first = gmailAddress('first');
    const second = gmailAddress('second');

    await connectGmail(page, { email: first });
    await expect(connections.toast(TOAST.connected(first))).toBeVisible();
    await connectGmail(page, { email: second });
    await expect(connections.toast(TOAST.connected(second))).toBeVisible();

    await expect(connections.account(first)).toHaveCount(1);
    await expect(connections.account(second)).toHaveCount(1);
    await expect(connections.accounts).toHaveCount(2);
    await page.reload();
    await expect(connections.accounts).toHaveCount(2);
    await expect(connections.account(first)).toHaveCount(1);
    await expect(connections.account(second)).toHaveCount(1);
  });

  test('the same Google account connected twice stays one row', async ({ page }) => {
    const connections = await signedInConnections(page, 'twice');
    const gmail = gmailAddress('twice');

    await connectGmail(page, { email: gmail });
    await expect(connections.account(gmail)).toHaveCount(1);
    await connectGmail(page, { email: gmail });
    await expect.poll(() => timesShown(page, TOAST.connected(gmail))).toBe(2);

    await expect(connections.accounts).toHaveCount(1);
    await page.reload();
    await expect(connections.accounts).toHaveCount(1);
    await expect(connections.account(gmail)).toHaveCount(1);
    await expect(connections.account(gmail).locator('.status')).toHaveText('Active');
  });

  test('disconnect removes the row and revokes at Google', async ({ page }) => {
    const connections = await signedInConnections(page, 'disconnect');
    const gmail = gmailAddress('disconnect');
    await connectGmail(page, { email: gmail });
    await expect(connections.account(gmail)).toHaveCount(1);

    const liveTokens = (await fakeGrants(gmail)).flatMap((grant) => grant.refresh_tokens);
    expect(liveTokens.length).toBeGreaterThanOrEqual(1);
    const revokesBefore = (await fakeCalls({ endpoint: 'revoke' })).length;

    await connections.disconnectButton(gmail).click();
    // It asks first, and says what happens at Google and to the transactions.
    await expect(connections.disconnectQuestion(gmail)).toBeVisible();
    await expect(page.locator('main')).toContainText('our access is revoked at Google');
    await expect(page.locator('main')).toContainText('stay on your Transactions page');
    const revokedEarly = (await fakeCalls({ endpoint: 'revoke' })).filter((call) =>
      liveTokens.includes(call.params.token as string),
    );
    expect(revokedEarly).toHaveLength(0);
    await connections.confirmDisconnectButton.click();
    await expect(page).toHaveURL(/\/connections\?disconnected=revoked$/);
    await expect(connections.account(gmail)).toHaveCount(0);
    await expect(connections.notice).toHaveText(
      'Email account disconnected. Our access is revoked at Google.',
    );
    await expect(new ConnectionsPage(page).emptyState).toBeVisible();

    const revokes = (await fakeCalls({ endpoint: 'revoke' })).slice(revokesBefore);
    expect(
      revokes.filter((call) => call.status === 200 && liveTokens.includes(call.params.token as string)),
    ).toHaveLength(1);
    for (const grant of await fakeGrants(gmail)) expect(grant.revoked).toBe(true);

    await page.reload();
    await expect(connections.accounts).toHaveCount(0);
  });

  test('a grant revoked at Google: the next sync marks the account, Reconnect restores it', async ({
    page,
  }) => {
    const connections = await signedInConnections(page, 'reconnect');
    const gmail = gmailAddress('reconnect');
    await connectGmail(page, { email: gmail });
    await expect(connections.account(gmail)).toHaveCount(1);
    const rows = new ConnectionsPage(page);
    await rows.waitForSyncToFinish(gmail);
    await revokeAllAt(gmail);
    const accountId = await connections.account(gmail).getAttribute('data-account-id');

    // Gmail refuses the token, and Google its renewal: the account asks to be reconnected.
    await rows.syncNow(gmail);
    await expect(connections.account(gmail).locator('.status')).toHaveText('Reconnect needed', {
      timeout: 20_000,
    });
    await waitForHydration(page);
    await expect(connections.disconnectButton(gmail)).toBeVisible();

    const { startUrl } = await connectGmail(
      page,
      { email: gmail },
      connections.reconnectButton(gmail),
    );
    expect(startUrl.searchParams.get('account')).toBe(accountId);
    // Once at the first connect (that toast may still be up), once now.
    await expect.poll(() => timesShown(page, TOAST.connected(gmail))).toBe(2);
    await expect(connections.accounts).toHaveCount(1);
    await expect(connections.account(gmail).locator('.status')).toHaveText('Active');
    await expect(connections.reconnectButton(gmail)).toHaveCount(0);
    expect(await connections.account(gmail).getAttribute('data-account-id')).toBe(accountId);
    const live = (await fakeGrants(gmail)).filter((grant) => !grant.revoked);
    expect(live).toHaveLength(1);

    await page.reload();
    await expect(connections.account(gmail).locator('.status')).toHaveText('Active');
  });

  test("another user neither sees nor disconnects someone else's account", async ({
    page,
    browser,
  }) => {
    const owner = await signedInConnections(page, 'owner');
    const gmail = gmailAddress('owned');
    await connectGmail(page, { email: gmail });
    await expect(owner.account(gmail)).toHaveCount(1);
    const accountId = await owner.account(gmail).getAttribute('data-account-id');
    expect(accountId).toMatch(/^\d+$/);
    const liveTokens = (await fakeGrants(gmail)).flatMap((grant) => grant.refresh_tokens);
    expect(liveTokens.length).toBeGreaterThanOrEqual(1);

    const otherContext = await browser.newContext({ baseURL: APP_URL });
    try {
      const other = await otherContext.newPage();
      await signUp(other, uniqueEmail('intruder'));
      await waitForHydration(other);
      await expect(new ConnectionsPage(other).emptyState).toBeVisible();
      await expect(other.locator('li.account')).toHaveCount(0);

      for (const endpoint of ['disconnect_account', 'confirm_disconnect']) {
        const status = await other.evaluate(
          async ([endpoint, id]) =>
            (
              await fetch(`/api/${endpoint}`, {
                method: 'POST',
                headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
                body: 'account_id=' + id,
              })
            ).status,
          [endpoint, accountId] as const,
        );
        expect(status, `${endpoint}: not yours answers like not there`).toBe(404);
      }
      // The page that asks does not know it either.
      await other.goto(`/connections/disconnect?account=${accountId}`);
      await expect(other.getByRole('alert')).toHaveText('That item was not found.');
      await expect(other.locator('main')).not.toContainText(gmail);

      await other.goto('/connections');
      await expect(new ConnectionsPage(other).emptyState).toBeVisible();
    } finally {
      await otherContext.close();
    }

    await page.reload();
    await expect(owner.account(gmail)).toHaveCount(1);
    await expect(owner.account(gmail).locator('.status')).toHaveText('Active');
    const revokedTokens = (await fakeCalls({ endpoint: 'revoke' })).map((call) => call.params.token);
    expect(revokedTokens.filter((token) => liveTokens.includes(token as string))).toHaveLength(0);
    for (const grant of await fakeGrants(gmail)) expect(grant.revoked).toBe(false);
  });
});

test.describe('callback checks', () => {
  test('a forged state is refused before any call to Google', async ({ page }) => {
    await signUp(page, uniqueEmail('forged'));
    const code = `forged-${randomUUID()}`;

    const response = await page.goto(`/auth/gmail/callback?state=forged&code=${code}`);
    expect(response?.status()).toBe(400);
    await expect(page.getByText(INVALID_LINK)).toBeVisible();
    // Opened outside the popup, the result page offers the way back.
    await expect(page.getByRole('link', { name: 'Back to your email connections' })).toBeVisible();

    // The code is the one thing the callback could take to Google: it never did.
    expect((await fakeCalls({ endpoint: 'token' })).filter((call) => call.params.code === code)).toHaveLength(0);
  });

  test('a callback URL replayed after use is refused without a second exchange', async ({
    page,
  }) => {
    const connections = await signedInConnections(page, 'replay');
    const gmail = gmailAddress('replay');
    const { callbackUrl } = await connectGmail(page, { email: gmail });
    await expect(connections.account(gmail)).toHaveCount(1);
    const code = callbackUrl.searchParams.get('code');
    expect(code).toBeTruthy();

    const response = await page.goto(callbackUrl.href);
    expect(response?.status()).toBe(400);
    await expect(page.getByText(USED_LINK)).toBeVisible();

    expect((await codeExchanges()).filter((call) => call.params.code === code)).toHaveLength(1);

    await page.goto('/connections');
    await expect(connections.accounts).toHaveCount(1);
  });

  test('an error parameter carrying a script is never shown, nor run', async ({
    page,
    context,
  }) => {
    await signUp(page, uniqueEmail('xss'));
    const flowPage = await context.newPage();
    const dialogs: string[] = [];
    flowPage.on('dialog', async (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      await dialog.dismiss();
    });

    await flowPage.goto('/auth/gmail/start?flow=t1');
    await expect(flowPage).toHaveURL(/\/o\/oauth2\/v2\/auth\?/);
    const state = new URL(flowPage.url()).searchParams.get('state');
    expect(state).toBeTruthy();

    const hostile = '<script>window.__pwned=1</script>';
    await flowPage.goto(
      `/auth/gmail/callback?state=${encodeURIComponent(state!)}&error=${encodeURIComponent(hostile)}`,
    );
    await expect(flowPage.locator('#message')).toHaveText(
      'Could not complete the connection with Google. Please try again.',
    );
    expect(await flowPage.content()).not.toContain('__pwned');
    expect(await flowPage.evaluate(() => (window as any).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
  });

  test('a blocked popup is reported', async ({ page }) => {
    const connections = await signedInConnections(page, 'blocked');
    await page.evaluate(() => {
      window.open = () => null;
    });

    await connections.connectButton.click();
    await expect(connections.toast(TOAST.popupBlocked)).toHaveCount(1);
    await expect(connections.connectButton).toHaveText('Connect Gmail');
    await expect(connections.connectButton).toBeEnabled();
  });
});
