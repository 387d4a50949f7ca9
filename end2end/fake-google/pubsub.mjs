// Gmail push through a fake Cloud Pub/Sub: users.watch/users.stop, and a push subscription
// that delivers each change of a watched mailbox to one endpoint, as Google does: a POST of
// { message: { data: base64({ emailAddress, historyId }), messageId, publishTime },
// subscription } with an OIDC token Google signs (RS256, the fake's key at /oauth2/v3/certs)
// for the subscription's audience and service account.
//
// Deliveries can be made to fail the way Pub/Sub's can (per mailbox, through the admin API):
// lost, sent twice, delayed (so out of order), and forged ones can be sent on demand (another
// key, another audience or account, an expired token, none at all).
//
// Env: FAKE_PUBSUB_PUSH_ENDPOINT (unset: watches are kept but nothing is delivered),
//      FAKE_PUBSUB_AUDIENCE (the endpoint), FAKE_PUBSUB_SERVICE_ACCOUNT.
import { generateKeyPairSync, sign } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export const GOOGLE_ISSUER = 'https://accounts.google.com';
const WATCH_DAYS = 7;
const DAY_MS = 86_400_000;
export const FORGERIES = Object.freeze(['no-token', 'other-key', 'wrong-audience', 'wrong-account', 'unverified', 'expired']);
const FAULT_FIELDS = Object.freeze(['lose', 'loseRate', 'duplicate', 'delayMs']);

export class PubSub {
  constructor({ issuer, endpoint, audience, serviceAccount }) {
    this.issuer = issuer;
    this.endpoint = endpoint || null;
    this.audience = audience || endpoint || null;
    this.serviceAccount = serviceAccount || 'gmail-push@fake-project.iam.gserviceaccount.com';
    this.reset();
  }

  reset() {
    this.watches = new Map(); // email -> { topic, expiration }
    this.faults = new Map(); // email -> { lose, loseRate, duplicate, delayMs }
    this.deliveries = []; // { email, historyId, status, forged?, lost? }
    this.nextMessageId = 1;
  }

  watch(email, topic, historyId) {
    const expiration = Date.now() + WATCH_DAYS * DAY_MS;
    this.watches.set(email, { topic, expiration });
    return { historyId: String(historyId), expiration: String(expiration) };
  }

  stop(email) {
    this.watches.delete(email);
  }

  setFaults(email, faults) {
    const unknown = Object.keys(faults).find((name) => !FAULT_FIELDS.includes(name));
    if (unknown !== undefined) throw new Error(`unknown Pub/Sub fault: ${unknown}; known: ${FAULT_FIELDS.join(', ')}`);
    this.faults.set(email, { ...this.faults.get(email), ...faults });
  }

  // A watched mailbox changed: its delivery goes out (or is lost, doubled, delayed).
  published(email, historyId) {
    const watch = this.watches.get(email);
    if (!watch || watch.expiration < Date.now() || !this.endpoint) return;
    const faults = this.faults.get(email) ?? {};
    if (faults.lose > 0) {
      faults.lose -= 1;
      this.deliveries.push({ email, historyId: String(historyId), lost: true });
      return;
    }
    if (faults.loseRate > 0 && Math.random() < faults.loseRate) {
      this.deliveries.push({ email, historyId: String(historyId), lost: true });
      return;
    }
    const copies = faults.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i += 1) {
      const wait = faults.delayMs > 0 ? Math.floor(Math.random() * faults.delayMs) : 0;
      this.#deliverLater(email, historyId, wait);
    }
  }

  async #deliverLater(email, historyId, wait) {
    if (wait > 0) await sleep(wait);
    const token = await this.#token({});
    await this.#send(email, historyId, token, {});
  }

  // Sends one forged delivery for `email`; resolves to the status the endpoint answered.
  async forge(email, kind) {
    if (!this.endpoint) throw new Error('no push endpoint (FAKE_PUBSUB_PUSH_ENDPOINT)');
    if (!FORGERIES.includes(kind)) throw new Error(`kind must be one of: ${FORGERIES.join(', ')}`);
    const now = Math.floor(Date.now() / 1000);
    let token = null;
    if (kind === 'other-key') {
      // Signed by a key Google never published, under the real key's id.
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const kid = this.issuer.keys.toJSON()[0]?.kid;
      const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const input = `${part({ alg: 'RS256', kid, typ: 'JWT' })}.${part(this.#claims(now, {}))}`;
      token = `${input}.${sign('RSA-SHA256', Buffer.from(input), privateKey).toString('base64url')}`;
    } else if (kind !== 'no-token') {
      const change = {
        'wrong-audience': { aud: 'https://elsewhere.example/push' },
        'wrong-account': { email: 'someone-else@fake-project.iam.gserviceaccount.com' },
        unverified: { email_verified: false },
        // An old delivery's token, replayed after it lapsed.
        expired: { iat: now - 7200, exp: now - 3600, nbf: now - 7200 },
      }[kind];
      token = await this.#token(change);
    }
    return this.#send(email, 0, token, { forged: kind });
  }

  #claims(now, change) {
    return {
      iss: GOOGLE_ISSUER,
      aud: this.audience,
      azp: '100000000000000000000',
      sub: '100000000000000000000',
      email: this.serviceAccount,
      email_verified: true,
      iat: now,
      exp: now + 3600,
      ...change,
    };
  }

  #token(change) {
    return this.issuer.buildToken({
      scopesOrTransform: (header, payload) => {
        for (const name of Object.keys(payload)) delete payload[name];
        Object.assign(payload, this.#claims(Math.floor(Date.now() / 1000), change));
      },
    });
  }

  async #send(email, historyId, token, note) {
    const messageId = String(this.nextMessageId++);
    const data = Buffer.from(JSON.stringify({ emailAddress: email, historyId: Number(historyId) || 0 })).toString('base64');
    const body = {
      message: { data, messageId, message_id: messageId, publishTime: new Date().toISOString() },
      subscription: 'projects/fake-project/subscriptions/gmail-push',
    };
    const headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const record = { email, historyId: String(historyId), ...note };
    this.deliveries.push(record);
    try {
      const response = await fetch(this.endpoint, { method: 'POST', headers, body: JSON.stringify(body) });
      record.status = response.status;
    } catch (err) {
      record.status = 0;
      record.error = err.message;
    }
    return record.status;
  }

  describe(email) {
    return {
      watch: this.watches.get(email) ?? null,
      deliveries: this.deliveries.filter((d) => d.email === email),
    };
  }
}
