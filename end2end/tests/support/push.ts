import { FAKE_GOOGLE, FAKE_MICROSOFT } from './env';

/** Calls one of a fake's admin endpoints (GET without a body, POST with one). */
async function admin<T>(base: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}/__admin/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${base} ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** Turns on the fakes' deliveries for one account's mailbox (others stay quiet). */
export async function turnOnGmailPush(email: string): Promise<void> {
  await admin(FAKE_GOOGLE, 'config', { email, push: true });
}

export async function turnOnOutlookPush(email: string): Promise<void> {
  await admin(FAKE_MICROSOFT, 'config', { email, push: true });
}

type PubSubState = { watch: { topic: string; expiration: number } | null; deliveries: { status?: number; lost?: boolean }[] };

/** The fake Pub/Sub's watch of a Gmail mailbox, and the deliveries made for it. */
export function pubsubOf(email: string): Promise<PubSubState> {
  return admin(FAKE_GOOGLE, `pubsub?email=${encodeURIComponent(email)}`);
}

/** Sends a forged Pub/Sub delivery for `email`; resolves to the status the app answered. */
export async function forgeGmailPush(
  email: string,
  kind: 'no-token' | 'other-key' | 'wrong-audience' | 'wrong-account' | 'unverified' | 'expired',
): Promise<number> {
  return (await admin<{ status: number }>(FAKE_GOOGLE, 'pubsub/forge', { email, kind })).status;
}

type GraphState = { subscriptions: { id: string }[]; deliveries: { status?: number; lost?: boolean }[] };

/** The fake Graph's subscriptions for an Outlook mailbox, and the notifications sent. */
export function notificationsOf(email: string): Promise<GraphState> {
  return admin(FAKE_MICROSOFT, `notifications?email=${encodeURIComponent(email)}`);
}

/** Sends a forged Graph notification for `email`; resolves to the status the app answered. */
export async function forgeOutlookNotification(
  email: string,
  kind: 'wrong-client-state' | 'unknown-subscription',
): Promise<number> {
  return (await admin<{ status: number }>(FAKE_MICROSOFT, 'notifications/forge', { email, kind })).status;
}
