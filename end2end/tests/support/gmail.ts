import { createHash } from 'node:crypto';
import { expect, type Locator, type Page, type Request } from '@playwright/test';
import { APP_URL, FAKE_GOOGLE } from './env';

/** What the fake Google records for every call to its OAuth and Gmail endpoints. */
export type FakeCall = {
  endpoint: 'authorize' | 'decision' | 'token' | 'userinfo' | 'revoke' | 'gmail';
  method: string;
  grant_type?: string;
  path: string;
  params: Record<string, string | string[]>;
  bearer?: string;
  status: number | null;
  at: string;
};

export type FakeGrant = {
  id: number;
  email: string;
  sub: string;
  client_id: string;
  email_verified: boolean;
  scopes: string[];
  revoked: boolean;
  refresh_tokens: string[];
  created_at: string;
};

async function adminGet<T>(path: string): Promise<T> {
  const response = await fetch(`${FAKE_GOOGLE}/__admin/${path}`);
  if (!response.ok) throw new Error(`fake google ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

async function adminPost<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${FAKE_GOOGLE}/__admin/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`fake google ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** The fake Google's settings. */
export type FakeConfig = { rotateRefreshTokens: boolean; accessTokenTtl: number };

/**
 * Changes some of the fake's settings for one Google account (tests run side by side, each with
 * its own accounts).
 */
export async function setFakeConfig(email: string, changes: Partial<FakeConfig>): Promise<void> {
  await adminPost('config', { ...changes, email });
}

/** Revokes every grant of one Google account, as its owner would in their Google settings. */
export async function revokeAllAt(email: string): Promise<void> {
  await adminPost('revoke-all', { email });
}

/** The calls the fake Google has seen, oldest first, optionally of one endpoint / grant type. */
export function fakeCalls(
  filter: { endpoint?: FakeCall['endpoint']; grantType?: string } = {},
): Promise<FakeCall[]> {
  const query = new URLSearchParams();
  if (filter.endpoint) query.set('endpoint', filter.endpoint);
  if (filter.grantType) query.set('grant_type', filter.grantType);
  return adminGet<FakeCall[]>(`calls?${query}`);
}

/** Authorization-code exchanges the fake has seen. */
export function codeExchanges(): Promise<FakeCall[]> {
  return fakeCalls({ endpoint: 'token', grantType: 'authorization_code' });
}

/** The fake's grants for one Google account (revoked ones included). */
export function fakeGrants(email: string): Promise<FakeGrant[]> {
  return adminGet<FakeGrant[]>(`grants?email=${encodeURIComponent(email)}`);
}

/** One message for `addGmailMessages`: a fixture of `server/src/alerts/fixtures/` by name. */
export type FakeGmailMessage = {
  fixture: string;
  /** Milliseconds since the epoch; the fake's default is now. */
  internalDate?: number;
  id?: string;
  labelIds?: string[];
  /** Moves the fixture's dates (header and text) to internalDate's day. */
  redate?: boolean;
};

/**
 * Adds messages to the fake Gmail mailbox of `email` (created if nothing touched it yet, so mail
 * can be there before the account is ever connected). Resolves to the new messages' ids.
 */
export async function addGmailMessages(
  email: string,
  messages: FakeGmailMessage[],
): Promise<string[]> {
  const added = await adminPost<{ ids: string[] }>('gmail/messages', { email, messages });
  return added.ids;
}

/** A Gmail call: which operation, and for `get` which message. */
export type FakeGmailCall = FakeCall & {
  operation: 'profile' | 'list' | 'get' | 'history' | null;
  messageId?: string;
};

/** The fake's Gmail calls made with a token of `email`'s grant, oldest first. */
export function gmailCallsFor(email: string): Promise<FakeGmailCall[]> {
  const query = new URLSearchParams({ endpoint: 'gmail', account: email });
  return adminGet(`calls?${query}`);
}

/** RFC 7636 S256: base64url(sha256(verifier)). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export const GMAIL_SCOPE = 'https://www.googleapis.com/auth/gmail.readonly';

export const TOAST = {
  cancelled: 'Gmail connection cancelled',
  permissionMissing: 'Gmail permission was not granted. Tick the Gmail box to connect.',
  popupBlocked: 'Popup blocked. Please allow popups for this site.',
  connected: (email: string) => `Connected ${email}.`,
};

/** The parts of /connections the connect tests work with. */
export class GmailConnections {
  readonly connectButton: Locator;
  readonly toasts: Locator;
  readonly accounts: Locator;

  constructor(readonly page: Page) {
    // Its name changes to "Connecting..." while the popup is open.
    this.connectButton = page.locator('button.connect');
    // Shown ones: an expired toast is hidden in its place until the others expire too.
    this.toasts = page.locator('div.toasts[role="status"] div.toast:not([hidden])');
    this.accounts = page.locator('li.account');
  }

  toast(text: string): Locator {
    return this.toasts.filter({ hasText: text });
  }

  account(email: string): Locator {
    return this.accounts.filter({ has: this.page.getByText(email, { exact: true }) });
  }

  /** A link to the page that asks before disconnecting. */
  disconnectButton(email: string): Locator {
    return this.page.getByRole('link', { name: `Disconnect ${email}`, exact: true });
  }

  /** The heading of the page that asks, "Disconnect …?". */
  disconnectQuestion(email: string): Locator {
    return this.page.getByRole('heading', { name: `Disconnect ${email}?`, level: 1 });
  }

  get confirmDisconnectButton(): Locator {
    return this.page.getByRole('button', { name: 'Yes, disconnect', exact: true });
  }

  /** What the list says after a mailbox was disconnected. */
  get notice(): Locator {
    return this.page.locator('p.notice[role="status"]');
  }

  /** Disconnects a mailbox: its "Disconnect", then the question's "Yes"; back on the list. */
  async disconnect(email: string): Promise<void> {
    await this.disconnectButton(email).click();
    await expect(this.disconnectQuestion(email)).toBeVisible();
    await this.confirmDisconnectButton.click();
    await this.page.waitForURL((url) => url.pathname === '/connections');
  }

  reconnectButton(email: string): Locator {
    return this.page.getByRole('button', { name: `Reconnect ${email}`, exact: true });
  }
}

/**
 * Keeps a log, in the page, of every toast element that ever appeared: toasts vanish after a few
 * seconds, so "shown exactly once" cannot be read from the DOM alone. Call before the page loads
 * (it survives reloads); read the log with `shownToasts`.
 */
export async function recordToasts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen = new WeakSet<Element>();
    const log: string[] = [];
    (window as any).__toastLog = log;
    const note = (element: Element) => {
      if (!seen.has(element)) {
        seen.add(element);
        log.push((element.textContent ?? '').trim());
      }
    };
    new MutationObserver((mutations) => {
      for (const mutation of mutations) {
        for (const node of Array.from(mutation.addedNodes)) {
          if (!(node instanceof Element)) continue;
          if (node.matches('div.toast')) note(node);
          node.querySelectorAll('div.toast').forEach(note);
        }
      }
    }).observe(document, { childList: true, subtree: true });
  });
}

/** Every toast text shown since the page last loaded, in order. */
export function shownToasts(page: Page): Promise<string[]> {
  return page.evaluate(() => [...((window as any).__toastLog ?? [])] as string[]);
}

/** How many times a toast with exactly this text has appeared since the page loaded. */
export async function timesShown(page: Page, text: string): Promise<number> {
  return (await shownToasts(page)).filter((shown) => shown === text).length;
}

export type ConsentChoice = {
  /** The Google account to sign in as on the consent page. */
  email: string;
  /** Untick "Gmail (read-only)" before answering. */
  withoutGmail?: boolean;
  decision?: 'Allow' | 'Deny';
  /** Wait for the popup to close itself (it does so 2 s after success, 5 s after an error). */
  waitForClose?: boolean;
};

export type ConnectAttempt = {
  popup: Page;
  /** `/auth/gmail/start?flow=…`, as the page opened it. */
  startUrl: URL;
  /** The fake Google's authorization URL the popup was sent to. */
  authorizeUrl: URL;
  /** The callback URL the popup came back to (carries `state` and `code` or `error`). */
  callbackUrl: URL;
};

/**
 * Clicks "Connect Gmail" (or `button`, e.g. an account's "Reconnect") and opens the popup, up to
 * the fake Google's consent page. The page must be hydrated.
 */
export async function openConsent(
  page: Page,
  button: Locator = new GmailConnections(page).connectButton,
): Promise<{ popup: Page; startUrl: URL; authorizeUrl: URL }> {
  const startRequest = page
    .context()
    .waitForEvent('request', (request) => request.url().startsWith(`${APP_URL}/auth/gmail/start`));
  const popupPromise = page.waitForEvent('popup');
  await button.click();
  const popup = await popupPromise;
  const startUrl = new URL((await startRequest).url());
  await popup.waitForURL((url) => url.href.startsWith(`${FAKE_GOOGLE}/o/oauth2/v2/auth?`));
  await expect(popup.getByRole('heading', { name: 'Sign in with Google' })).toBeVisible();
  return { popup, startUrl, authorizeUrl: new URL(popup.url()) };
}

/** Answers the consent page in the popup; resolves once the popup reached the app's callback. */
export async function answerConsent(popup: Page, choice: ConsentChoice): Promise<URL> {
  await popup.getByLabel('Email', { exact: true }).fill(choice.email);
  if (choice.withoutGmail) await popup.getByLabel('Gmail (read-only)').uncheck();
  const callbackRequest: Promise<Request> = popup.waitForRequest((request) =>
    request.url().startsWith(`${APP_URL}/auth/gmail/callback`),
  );
  const closed = popup.waitForEvent('close', { timeout: 10_000 });
  // The popup closes itself after the result page; never leave this promise unhandled.
  closed.catch(() => {});
  await popup.getByRole('button', { name: choice.decision ?? 'Allow', exact: true }).click();
  const callbackUrl = new URL((await callbackRequest).url());
  if (choice.waitForClose ?? true) await closed;
  return callbackUrl;
}

/**
 * The whole popup round trip: click "Connect Gmail" (or `button`), answer the consent page,
 * come back.
 */
export async function connectGmail(
  page: Page,
  choice: ConsentChoice,
  button?: Locator,
): Promise<ConnectAttempt> {
  const { popup, startUrl, authorizeUrl } = await openConsent(page, button);
  const callbackUrl = await answerConsent(popup, choice);
  return { popup, startUrl, authorizeUrl, callbackUrl };
}
