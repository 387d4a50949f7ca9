// In-memory state of the fake Google: authorization codes, grants and their
// tokens, Gmail mailboxes, recorded calls, injected faults and settings.
// oauth2-mock-server signs the tokens but remembers none of them; everything
// that makes a token valid, used or revoked lives here.
import { createHash } from 'node:crypto';
import { Mailbox, seedAlertMessages } from './gmail.mjs';

export const CODE_TTL_MS = 10 * 60 * 1000;
// `push`: a watched mailbox's changes are delivered (tests turn it on for their own mailboxes,
// so the others' "Sync now" counts stay exact).
export const DEFAULT_CONFIG = Object.freeze({ rotateRefreshTokens: false, accessTokenTtl: 3599, push: false });

// Names under which calls are recorded and faults are injected.
export const ENDPOINTS = Object.freeze(['authorize', 'decision', 'token', 'userinfo', 'revoke', 'gmail']);

const PKCE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

// RFC 7636 S256: base64url(sha256(verifier)) must equal the stored challenge.
export function pkceS256Matches(verifier, challenge) {
  if (typeof verifier !== 'string' || !PKCE_VERIFIER.test(verifier)) return false;
  return createHash('sha256').update(verifier, 'ascii').digest('base64url') === challenge;
}

// Stable, numeric-looking Google account id for an email address.
export function subjectFor(email) {
  const hex = createHash('sha256').update(email.toLowerCase()).digest('hex');
  return BigInt(`0x${hex}`).toString().slice(0, 20);
}

export class FakeGoogleState {
  // seedAlerts: every new mailbox starts with the demo's alert fixtures.
  constructor({ seedAlerts = false } = {}) {
    this.seedAlerts = seedAlerts;
    this.reset();
  }

  // Back to the state at start-up: no calls, codes, grants, faults or mail.
  reset() {
    this.config = { ...DEFAULT_CONFIG };
    this.accountConfig = new Map(); // email -> the settings that differ for that account
    this.calls = [];
    this.faults = [];
    this.codes = new Map(); // code -> pending authorization
    this.grants = []; // one per (email, client) while live; revoked ones are kept, marked
    this.refreshTokens = new Map(); // refresh token -> { grant, scopes }
    this.accessTokens = new Map(); // access token -> { grant, scopes, expiresAt }
    this.mailboxes = new Map(); // email -> Mailbox
    this.nextGrantId = 1;
  }

  // ---- settings ---------------------------------------------------------------

  // The settings in force for one account: its own where it has them, else the fake's.
  configFor(email) {
    return { ...this.config, ...this.accountConfig.get(email) };
  }

  // Changes the fake's settings, or with `email` only that account's (tests running side by
  // side each change their own account's).
  setConfig(update, email) {
    if (email === undefined) Object.assign(this.config, update);
    else this.accountConfig.set(email, { ...this.accountConfig.get(email), ...update });
    return this.configFor(email);
  }

  // ---- recorded calls -------------------------------------------------------

  // `gmail` ({operation, account, messageId, query}) only for Gmail calls.
  recordCall({ endpoint, method, path, params, grantType, bearer, gmail }) {
    const entry = { endpoint, method };
    if (grantType !== undefined) entry.grant_type = grantType;
    entry.path = path;
    entry.params = params;
    if (gmail !== undefined) {
      entry.query = gmail.query;
      entry.operation = gmail.operation;
      entry.account = gmail.account;
      if (gmail.messageId !== undefined) entry.messageId = gmail.messageId;
    }
    if (bearer !== undefined) entry.bearer = bearer;
    entry.status = null; // filled in when the response has been sent
    entry.at = new Date().toISOString();
    this.calls.push(entry);
    return entry;
  }

  // ---- injected faults ------------------------------------------------------

  addFault({ endpoint, status, body, delayMs, times, email, operation, reason, retryAfter, headers }) {
    const fault = {
      id: this.faults.length + 1,
      endpoint,
      email,
      operation,
      status,
      reason,
      retryAfter,
      headers,
      body,
      delayMs,
      remaining: times ?? null,
    };
    this.faults.push(fault);
    return fault;
  }

  // Consumes the faults that apply to one call (for Gmail, of this account and
  // operation): every delay-only fault adds its delay, and the first fault with
  // a status decides the response.
  takeFaults(endpoint, { account, operation } = {}) {
    let delayMs = 0;
    let respond = null;
    for (const fault of this.faults) {
      if (fault.endpoint !== endpoint || fault.remaining === 0) continue;
      if (fault.email !== undefined && fault.email !== account) continue;
      if (fault.operation !== undefined && fault.operation !== operation) continue;
      if (fault.status === undefined) {
        delayMs += fault.delayMs ?? 0;
      } else if (respond === null) {
        delayMs += fault.delayMs ?? 0;
        const { status, body, reason, retryAfter, headers } = fault;
        respond = { status, body, reason, retryAfter, headers };
      } else {
        continue;
      }
      if (fault.remaining !== null) fault.remaining -= 1;
    }
    return { delayMs, respond };
  }

  // ---- authorization codes --------------------------------------------------

  saveCode(code, pending) {
    const now = Date.now();
    for (const [key, rec] of this.codes) if (rec.expiresAt <= now) this.codes.delete(key);
    this.codes.set(code, { ...pending, used: false, expiresAt: now + CODE_TTL_MS });
  }

  // The pending authorization behind a code if this exchange may redeem it
  // (known, unused, unexpired, same client and redirect URI, PKCE verifier
  // matches), marking it used; otherwise null.
  redeemCode(code, { clientId, redirectUri, codeVerifier }) {
    const rec = this.codes.get(code);
    if (!rec || rec.used || rec.expiresAt <= Date.now()) return null;
    if (rec.clientId !== clientId || rec.redirectUri !== redirectUri) return null;
    if (!pkceS256Matches(codeVerifier, rec.codeChallenge)) return null;
    rec.used = true;
    return rec;
  }

  // ---- grants and tokens ----------------------------------------------------

  liveGrant(email, clientId) {
    return this.grants.find((g) => !g.revoked && g.email === email && g.clientId === clientId) ?? null;
  }

  hasLiveRefreshToken(grant) {
    for (const rec of this.refreshTokens.values()) if (rec.grant === grant) return true;
    return false;
  }

  // The live grant of this user to this client, created on first consent.
  grantFor({ email, emailVerified, clientId }) {
    let grant = this.liveGrant(email, clientId);
    if (!grant) {
      grant = {
        id: this.nextGrantId++,
        email,
        sub: subjectFor(email),
        clientId,
        emailVerified,
        scopes: new Set(),
        revoked: false,
        createdAt: new Date().toISOString(),
      };
      this.grants.push(grant);
    }
    grant.emailVerified = emailVerified;
    return grant;
  }

  addRefreshToken(grant, token, scopes) {
    this.refreshTokens.set(token, { grant, scopes });
  }

  lookupRefreshToken(token) {
    const rec = this.refreshTokens.get(token);
    return rec && !rec.grant.revoked ? rec : null;
  }

  // Replaces a refresh token by a new one with the same scopes.
  rotateRefreshToken(oldToken, newToken) {
    const rec = this.refreshTokens.get(oldToken);
    this.refreshTokens.delete(oldToken);
    if (rec) this.refreshTokens.set(newToken, rec);
  }

  addAccessToken(grant, token, scopes, ttlSeconds) {
    for (const scope of scopes) grant.scopes.add(scope);
    this.accessTokens.set(token, { grant, scopes, expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  lookupAccessToken(token) {
    const rec = this.accessTokens.get(token);
    if (!rec || rec.grant.revoked || rec.expiresAt <= Date.now()) return null;
    return rec;
  }

  // Revoking a grant kills its refresh and access tokens.
  revokeGrant(grant) {
    grant.revoked = true;
    for (const [token, rec] of this.refreshTokens) if (rec.grant === grant) this.refreshTokens.delete(token);
    for (const [token, rec] of this.accessTokens) if (rec.grant === grant) this.accessTokens.delete(token);
  }

  // Revokes the grant behind a live refresh or access token; false if unknown.
  revokeToken(token) {
    const rec = this.lookupRefreshToken(token) ?? this.lookupAccessToken(token);
    if (!rec) return false;
    this.revokeGrant(rec.grant);
    return true;
  }

  revokeAllForEmail(email) {
    const live = this.grants.filter((g) => !g.revoked && g.email === email);
    for (const grant of live) this.revokeGrant(grant);
    return live.length;
  }

  describeGrants(email) {
    return this.grants
      .filter((g) => email === undefined || g.email === email)
      .map((g) => ({
        id: g.id,
        email: g.email,
        sub: g.sub,
        client_id: g.clientId,
        email_verified: g.emailVerified,
        scopes: [...g.scopes],
        revoked: g.revoked,
        refresh_tokens: [...this.refreshTokens].filter(([, r]) => r.grant === g).map(([t]) => t),
        created_at: g.createdAt,
      }));
  }

  // ---- Gmail ----------------------------------------------------------------

  // The mailbox of this address, created (and, with seedAlerts, filled with
  // the demo's alert mails) the first time anything touches it.
  mailbox(email) {
    let box = this.mailboxes.get(email);
    if (!box) {
      box = new Mailbox(email);
      if (this.seedAlerts) box.add(seedAlertMessages(Date.now(), email));
      this.mailboxes.set(email, box);
    }
    return box;
  }

  existingMailbox(email) {
    return this.mailboxes.get(email) ?? null;
  }
}
