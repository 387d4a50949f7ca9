import { expect, type Locator, type Page, type Request } from '@playwright/test';
import { APP_URL, FAKE_MICROSOFT } from './env';

/** Graph's mail permission, as the app asks for it and the fake's consent page lists it. */
export const MAIL_READ = 'https://graph.microsoft.com/Mail.Read';

export const OUTLOOK_TOAST = {
  cancelled: 'Outlook connection cancelled',
  permissionMissing: 'Outlook mail permission was not granted.',
  connected: (email: string) => `Connected ${email}.`,
};

/** A call the fake Microsoft recorded; Graph calls also carry `operation` and `account`. */
export type FakeMicrosoftCall = {
  endpoint: 'authorize' | 'decision' | 'token' | 'graph';
  method: string;
  grant_type?: string;
  path: string;
  params: Record<string, string | string[]>;
  operation?: 'me' | 'list' | 'mime' | null;
  account?: string | null;
  messageId?: string;
  bearer?: string;
  status: number | null;
};

async function admin<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${FAKE_MICROSOFT}/__admin/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`fake microsoft ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** The calls the fake Microsoft has seen, oldest first. */
export function microsoftCalls(
  filter: { endpoint?: FakeMicrosoftCall['endpoint']; grantType?: string; account?: string } = {},
): Promise<FakeMicrosoftCall[]> {
  const query = new URLSearchParams();
  if (filter.endpoint) query.set('endpoint', filter.endpoint);
  if (filter.grantType) query.set('grant_type', filter.grantType);
  if (filter.account) query.set('account', filter.account);
  return admin<FakeMicrosoftCall[]>(`calls?${query}`);
}

/** The fake's grants of one Microsoft account, with their live refresh tokens. */
export function microsoftGrants(
  email: string,
): Promise<{ email: string; scopes: string[]; refresh_tokens: string[] }[]> {
  return admin(`grants?email=${encodeURIComponent(email)}`);
}

/** Sets how long one account's access tokens live (0: already expired when handed out). */
export async function setMicrosoftTokenTtl(email: string, seconds: number): Promise<void> {
  await admin('config', { accessTokenTtl: seconds, email });
}

/** Adds fixture mails to a Microsoft account's mailbox, received `receivedAt` (ms). */
export async function addOutlookMessages(
  email: string,
  messages: { fixture: string; internalDate?: number }[],
): Promise<void> {
  await admin('messages', { email, messages });
}

/** Redeems a refresh token at the fake as the app would; resolves to the HTTP status. */
export async function redeemRefreshToken(refreshToken: string): Promise<number> {
  const response = await fetch(`${FAKE_MICROSOFT}/common/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: 'fake-microsoft-client-id',
      client_secret: 'fake-microsoft-client-secret',
    }),
  });
  return response.status;
}

export function connectOutlookButton(page: Page): Locator {
  return page.locator('button.connect-outlook');
}

export type OutlookConsent = {
  email: string;
  /** Untick "Read your mail" before answering. */
  withoutMail?: boolean;
  decision?: 'Allow' | 'Deny';
};

/**
 * Clicks "Connect Outlook", answers the fake Microsoft's consent page in the popup and waits
 * for the popup to come back to the app's callback and close. The page must be hydrated.
 */
export async function connectOutlook(
  page: Page,
  consent: OutlookConsent,
): Promise<{ startUrl: URL; authorizeUrl: URL; callbackUrl: URL }> {
  const startRequest = page
    .context()
    .waitForEvent('request', (request) => request.url().startsWith(`${APP_URL}/auth/outlook/start`));
  const popupPromise = page.waitForEvent('popup');
  await connectOutlookButton(page).click();
  const popup = await popupPromise;
  const startUrl = new URL((await startRequest).url());
  await popup.waitForURL((url) => url.href.startsWith(`${FAKE_MICROSOFT}/common/oauth2/v2.0/authorize?`));
  await expect(popup.getByRole('heading', { name: 'Sign in with Microsoft' })).toBeVisible();
  const authorizeUrl = new URL(popup.url());

  await popup.getByLabel('Email', { exact: true }).fill(consent.email);
  if (consent.withoutMail) await popup.getByLabel('Read your mail').uncheck();
  const callbackRequest: Promise<Request> = popup.waitForRequest((request) =>
    request.url().startsWith(`${APP_URL}/auth/outlook/callback`),
  );
  const closed = popup.waitForEvent('close', { timeout: 10_000 });
  closed.catch(() => {});
  await popup.getByRole('button', { name: consent.decision ?? 'Allow', exact: true }).click();
  const callbackUrl = new URL((await callbackRequest).url());
  await closed;
  return { startUrl, authorizeUrl, callbackUrl };
}
