import { expect, test, type Page } from './support/test';
import {
  GmailConnections,
  recordToasts,
  timesShown,
} from './support/gmail';
import {
  MAIL_READ,
  OUTLOOK_TOAST,
  addOutlookMessages,
  connectOutlook,
  connectOutlookButton,
  microsoftCalls,
  microsoftGrants,
  redeemRefreshToken,
  setMicrosoftTokenTtl,
} from './support/outlook';
import {
  ConnectionsPage,
  TransactionsPage,
  signUp,
  uniqueEmail,
  waitForHydration,
} from './support/pages';

const DAY = 24 * 60 * 60 * 1000;

/** Signs a new user up and leaves them on a hydrated /connections that logs its toasts. */
async function signedInConnections(page: Page, prefix: string): Promise<GmailConnections> {
  await recordToasts(page);
  await signUp(page, uniqueEmail(prefix));
  await waitForHydration(page);
  return new GmailConnections(page);
}

test.describe('connect Outlook', () => {
  test('connects through the popup with PKCE S256, beside Connect Gmail', async ({ page }) => {
    const connections = await signedInConnections(page, 'outlook');
    const address = uniqueEmail('outlook');
    await expect(connections.connectButton).toHaveText('Connect Gmail');
    await expect(connectOutlookButton(page)).toHaveText('Connect Outlook');

    const { startUrl, authorizeUrl, callbackUrl } = await connectOutlook(page, { email: address });

    expect(startUrl.pathname).toBe('/auth/outlook/start');
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('response_mode')).toBe('query');
    expect(authorizeUrl.searchParams.get('scope')?.split(' ')).toEqual(
      expect.arrayContaining(['openid', 'email', 'profile', 'offline_access', MAIL_READ]),
    );
    expect(callbackUrl.searchParams.get('state')).toBe(authorizeUrl.searchParams.get('state'));

    await expect(connections.toast(OUTLOOK_TOAST.connected(address))).toBeVisible();
    const row = connections.account(address);
    await expect(row).toHaveCount(1);
    await expect(row.locator('.service')).toHaveText('Outlook');
    await expect(row.locator('.status')).toHaveText('Active');

    // One code exchange with the verifier, then Graph's /me for the identity.
    const code = callbackUrl.searchParams.get('code');
    const exchanges = (await microsoftCalls({ endpoint: 'token', grantType: 'authorization_code' })).filter(
      (call) => call.params.code === code,
    );
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0].status).toBe(200);
    const identity = (await microsoftCalls({ endpoint: 'graph', account: address })).filter(
      (call) => call.operation === 'me',
    );
    expect(identity.length).toBeGreaterThanOrEqual(1);

    await page.reload();
    await expect(connections.account(address).locator('.service')).toHaveText('Outlook');
  });

  test('cancel at Microsoft: one "cancelled" toast and nothing connected', async ({ page }) => {
    const connections = await signedInConnections(page, 'outlook-deny');
    const address = uniqueEmail('outlook-deny');

    const { callbackUrl } = await connectOutlook(page, { email: address, decision: 'Deny' });
    expect(callbackUrl.searchParams.get('error')).toBe('access_denied');

    await expect.poll(() => timesShown(page, OUTLOOK_TOAST.cancelled)).toBe(1);
    await expect(connectOutlookButton(page)).toHaveAttribute('data-popup-endings', '1');
    expect(await timesShown(page, OUTLOOK_TOAST.cancelled)).toBe(1);
    await expect(connectOutlookButton(page)).toBeEnabled();
    await expect(connections.accounts).toHaveCount(0);
    await expect(new ConnectionsPage(page).emptyState).toBeVisible();
  });

  test('without Mail.Read: the permission message and no account', async ({ page }) => {
    const connections = await signedInConnections(page, 'outlook-noscope');
    const address = uniqueEmail('outlook-noscope');

    await connectOutlook(page, { email: address, withoutMail: true });

    await expect.poll(() => timesShown(page, OUTLOOK_TOAST.permissionMissing)).toBe(1);
    await expect(connections.accounts).toHaveCount(0);
    await page.reload();
    await expect(new ConnectionsPage(page).emptyState).toBeVisible();
    // The code was exchanged for a grant without mail, which the app did not keep.
    const grants = await microsoftGrants(address);
    expect(grants).toHaveLength(1);
    expect(grants[0].scopes).not.toContain(MAIL_READ);
  });

  test('disconnect removes the row and says where to remove the access', async ({ page }) => {
    const connections = await signedInConnections(page, 'outlook-disconnect');
    const address = uniqueEmail('outlook-disconnect');
    await connectOutlook(page, { email: address });
    await expect(connections.account(address)).toHaveCount(1);

    await connections.disconnect(address);
    await expect(connections.account(address)).toHaveCount(0);
    await expect(connections.notice).toContainText('Email account disconnected');
    await expect(connections.notice).toContainText('https://account.live.com/consent/Manage');
    await expect(connections.notice).toContainText('https://myapplications.microsoft.com');
    await page.reload();
    await expect(connections.accounts).toHaveCount(0);
  });

  test('refresh tokens rotate: each is used once, the old one is refused', async ({ page }) => {
    // Three syncs, each of which may wait for a worker's 10 s heartbeat.
    test.setTimeout(90_000);
    const connections = await signedInConnections(page, 'outlook-rotate');
    const address = uniqueEmail('outlook-rotate');
    const list = new ConnectionsPage(page);
    const refreshes = async () =>
      (await microsoftCalls({ endpoint: 'token', grantType: 'refresh_token', account: address })).filter(
        (call) => call.status !== null,
      );
    // Short-lived tokens (stored as good for a minute, the shortest lifetime the app keeps):
    // every sync asks for a fresh one, and each refresh answers with a new refresh token.
    await setMicrosoftTokenTtl(address, 2);
    await connectOutlook(page, { email: address });
    await expect(connections.account(address)).toHaveCount(1);
    await list.waitForSyncToFinish(address, 30_000);
    for (const round of [1, 2]) {
      await list.syncNow(address);
      await list.waitForSyncToFinish(address, 30_000);
      await expect.poll(async () => (await refreshes()).length).toBeGreaterThanOrEqual(round + 1);
    }
    const used = await refreshes();
    expect(used.length).toBeGreaterThanOrEqual(3);
    // Every refresh succeeded, each with the token the one before handed out: an old one is
    // refused at the fake, so each success proves the app had stored the new one.
    for (const call of used) expect(call.status).toBe(200);
    const tokens = used.map((call) => call.params.refresh_token as string);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(await redeemRefreshToken(tokens[0])).toBe(400);

    const [grant] = await microsoftGrants(address);
    expect(grant.refresh_tokens).toHaveLength(1);
    expect(tokens).not.toContain(grant.refresh_tokens[0]);
    await page.reload();
    await expect(connections.account(address).locator('.status')).toHaveText('Active');
  });
});

test.describe('Outlook sync', () => {
  test("an Outlook mailbox's bank alerts appear on /transactions", async ({ page }) => {
    test.setTimeout(60_000);
    await signedInConnections(page, 'outlook-sync');
    const address = uniqueEmail('outlook-sync');
    const now = Date.now();
    await addOutlookMessages(address, [
      { fixture: 'bac_purchase_crc.eml', internalDate: now - 2 * DAY },
      { fixture: 'bcr_sinpe_in.eml', internalDate: now - 1 * DAY },
      { fixture: 'spoof_bac_display_name.eml', internalDate: now - 1 * DAY },
      { fixture: 'personal_not_bank.eml', internalDate: now - 3 * DAY },
    ]);

    await connectOutlook(page, { email: address });
    const list = new ConnectionsPage(page);
    await list.waitForSyncToFinish(address, 30_000);
    await expect(list.syncState(address)).toContainText('2 new transactions');

    // Only the messages from bank addresses were fetched, through Graph's $value: not the
    // personal mail, nor the spoof that merely names a bank in its display name.
    const fetched = (await microsoftCalls({ endpoint: 'graph', account: address })).filter(
      (call) => call.operation === 'mime',
    );
    expect(fetched).toHaveLength(2);

    const transactions = new TransactionsPage(page);
    await transactions.goto({ period: 'all' });
    await expect(transactions.rows).toHaveCount(2);
    await expect(transactions.row('AUTO MERCADO LOS YOSES')).toHaveCount(1);
    await expect(transactions.row('CARLOS ANDRES MORA DEMO')).toHaveCount(1);
    await expect(transactions.row('VERIFICACION DE CUENTA')).toHaveCount(0);
    for (const mailbox of await transactions.rows.locator('td.mailbox').all()) {
      await expect(mailbox).toHaveText(address);
      // The service is shown beside the address (by the stylesheet, outside the cell's text).
      await expect(mailbox).toHaveAttribute('data-service', 'Outlook');
    }
  });
});
