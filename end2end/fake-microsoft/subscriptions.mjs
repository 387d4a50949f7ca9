// Graph change notifications for the fake Microsoft: subscriptions to the messages created in
// a mailbox's Inbox (POST/PATCH/DELETE /v1.0/subscriptions), checked as Graph checks them
// (the notification URL must echo a validation token within 10 s), and the notifications a
// new message sends, with the subscription's clientState. Lifecycle events
// (subscriptionRemoved, missed, reauthorizationRequired) are sent on demand, and deliveries
// can be lost, doubled or delayed, or forged (a wrong clientState, an unknown subscription).
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

const RESOURCE = /^\/?me\/mailFolders\('Inbox'\)\/messages$/i;
// Graph's longest lifetime for a mail subscription: 10,080 minutes less a little.
const MAX_LIFETIME_MS = 10_070 * 60_000;
const VALIDATION_TIMEOUT_MS = 10_000;
export const LIFECYCLE_EVENTS = Object.freeze(['subscriptionRemoved', 'missed', 'reauthorizationRequired']);
export const FORGERIES = Object.freeze(['wrong-client-state', 'unknown-subscription']);
const FAULT_FIELDS = Object.freeze(['lose', 'loseRate', 'duplicate', 'delayMs']);

export class SubscriptionError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class Subscriptions {
  constructor() {
    this.reset();
  }

  reset() {
    this.byId = new Map(); // id -> { id, email, notificationUrl, lifecycleNotificationUrl, clientState, expiration }
    this.faults = new Map();
    this.deliveries = [];
  }

  resource(sub) {
    return {
      id: sub.id,
      resource: "me/mailFolders('Inbox')/messages",
      changeType: 'created',
      clientState: null, // Graph never returns it
      notificationUrl: sub.notificationUrl,
      lifecycleNotificationUrl: sub.lifecycleNotificationUrl ?? null,
      expirationDateTime: new Date(sub.expiration).toISOString(),
    };
  }

  // POST /v1.0/subscriptions: checks the body and the notification URL, then subscribes.
  async create(email, body) {
    const { changeType, notificationUrl, lifecycleNotificationUrl, resource, expirationDateTime, clientState } = body ?? {};
    if (changeType !== 'created') throw new SubscriptionError(400, 'InvalidRequest', 'changeType must be created here.');
    if (typeof resource !== 'string' || !RESOURCE.test(resource)) {
      throw new SubscriptionError(400, 'InvalidRequest', `Unsupported resource: ${resource}`);
    }
    if (typeof clientState !== 'string' || clientState.length > 128) {
      throw new SubscriptionError(400, 'InvalidRequest', 'clientState must be a string of at most 128 characters.');
    }
    const expiration = this.#expiration(expirationDateTime);
    for (const url of [notificationUrl, lifecycleNotificationUrl].filter((u) => u !== undefined)) {
      await this.#validate(url);
    }
    const sub = { id: randomUUID(), email, notificationUrl, lifecycleNotificationUrl, clientState, expiration };
    this.byId.set(sub.id, sub);
    return this.resource(sub);
  }

  renew(id, email, body) {
    const sub = this.#own(id, email);
    sub.expiration = this.#expiration(body?.expirationDateTime);
    return this.resource(sub);
  }

  remove(id, email) {
    this.#own(id, email);
    this.byId.delete(id);
  }

  setFaults(email, faults) {
    const unknown = Object.keys(faults).find((name) => !FAULT_FIELDS.includes(name));
    if (unknown !== undefined) throw new Error(`unknown notification fault: ${unknown}; known: ${FAULT_FIELDS.join(', ')}`);
    this.faults.set(email, { ...this.faults.get(email), ...faults });
  }

  // New messages in `email`'s Inbox: each live subscription is notified.
  published(email, messageIds) {
    for (const sub of this.#of(email)) {
      const faults = this.faults.get(email) ?? {};
      const lost = faults.lose > 0 || (faults.loseRate > 0 && Math.random() < faults.loseRate);
      if (faults.lose > 0) faults.lose -= 1;
      if (lost) {
        this.deliveries.push({ email, lost: true });
        continue;
      }
      const value = messageIds.map((id) => ({
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: new Date(sub.expiration).toISOString(),
        changeType: 'created',
        resource: `Users/${email}/Messages/${id}`,
        resourceData: { '@odata.type': '#Microsoft.Graph.Message', id },
        clientState: sub.clientState,
        tenantId: '9188040d-6c67-4c5b-b112-36a304b66dad',
      }));
      const copies = faults.duplicate ? 2 : 1;
      for (let i = 0; i < copies; i += 1) {
        const wait = faults.delayMs > 0 ? Math.floor(Math.random() * faults.delayMs) : 0;
        this.#post(sub.notificationUrl, { value }, { email }, wait);
      }
    }
  }

  // Sends a lifecycle event for each of `email`'s subscriptions (subscriptionRemoved also
  // removes them, as Graph has). Resolves to the statuses answered.
  async lifecycle(email, event) {
    if (!LIFECYCLE_EVENTS.includes(event)) throw new Error(`event must be one of: ${LIFECYCLE_EVENTS.join(', ')}`);
    const statuses = [];
    for (const sub of this.#of(email)) {
      if (event === 'subscriptionRemoved') this.byId.delete(sub.id);
      const value = [{
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: new Date(sub.expiration).toISOString(),
        lifecycleEvent: event,
        clientState: sub.clientState,
        organizationId: '9188040d-6c67-4c5b-b112-36a304b66dad',
      }];
      statuses.push(await this.#post(sub.lifecycleNotificationUrl ?? sub.notificationUrl, { value }, { email, lifecycle: event }, 0));
    }
    return statuses;
  }

  // Sends a forged notification about `email`'s mailbox; resolves to the status answered.
  async forge(email, kind) {
    if (!FORGERIES.includes(kind)) throw new Error(`kind must be one of: ${FORGERIES.join(', ')}`);
    const sub = this.#of(email)[0];
    if (!sub) throw new Error(`no subscription for ${email}`);
    const value = [{
      subscriptionId: kind === 'unknown-subscription' ? randomUUID() : sub.id,
      changeType: 'created',
      resource: `Users/${email}/Messages/forged`,
      clientState: kind === 'wrong-client-state' ? randomBytes(24).toString('base64url') : sub.clientState,
    }];
    return this.#post(sub.notificationUrl, { value }, { email, forged: kind }, 0);
  }

  describe(email) {
    return {
      subscriptions: this.#of(email).map((sub) => this.resource(sub)),
      deliveries: this.deliveries.filter((d) => d.email === email),
    };
  }

  #of(email) {
    return [...this.byId.values()].filter((sub) => sub.email === email && sub.expiration > Date.now());
  }

  #own(id, email) {
    const sub = this.byId.get(id);
    if (!sub || sub.email !== email) {
      throw new SubscriptionError(404, 'ResourceNotFound', `The object was not found: ${id}`);
    }
    return sub;
  }

  #expiration(value) {
    const at = typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isNaN(at) || at <= Date.now()) {
      throw new SubscriptionError(400, 'InvalidRequest', 'expirationDateTime must be a time in the future.');
    }
    if (at > Date.now() + MAX_LIFETIME_MS) {
      throw new SubscriptionError(400, 'InvalidRequest', 'Subscription expiration can only be 10070 minutes in the future.');
    }
    return at;
  }

  // Graph's check: POST {url}?validationToken=… must answer 200, text/plain, the token.
  async #validate(url) {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      throw new SubscriptionError(400, 'InvalidRequest', 'notificationUrl must be an absolute URL.');
    }
    const token = `Validation: Testing client application at ${new Date().toISOString()} ${randomUUID()}`;
    parsed.searchParams.set('validationToken', token);
    let ok = false;
    try {
      const response = await fetch(parsed, { method: 'POST', signal: AbortSignal.timeout(VALIDATION_TIMEOUT_MS) });
      const type = response.headers.get('content-type') ?? '';
      ok = response.status === 200 && type.startsWith('text/plain') && (await response.text()) === token;
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new SubscriptionError(400, 'ValidationError', 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
    }
  }

  async #post(url, body, note, wait) {
    if (wait > 0) await sleep(wait);
    const record = { ...note };
    this.deliveries.push(record);
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      record.status = response.status;
    } catch (err) {
      record.status = 0;
      record.error = err.message;
    }
    return record.status;
  }
}
