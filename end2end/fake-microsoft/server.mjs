// Fake Microsoft for mailconnect's end-to-end tests and local demo: the
// identity platform's v2 authorize and token endpoints and the part of
// Microsoft Graph a mail sync reads (/me, /me/messages, /me/messages/{id}/$value), and
// Graph's change notifications for new mail (/v1.0/subscriptions, see subscriptions.mjs).
//
// Tokens are RS256 JWTs signed by oauth2-mock-server's issuer; the grants,
// codes and mailboxes live in the same in-memory state as the fake Google's.
// Behaviour worth knowing, as Microsoft does it:
// - every refresh answers with a new refresh token; here the old one is
//   refused at once (Microsoft keeps it valid for a while), so a client that
//   ever reuses a refresh token is caught;
// - there is no revocation endpoint;
// - a personal account (outlook.com, hotmail.com, live.com) has no `mail` on
//   /me, only `userPrincipalName`;
// - mail stored here counts as received by Outlook: its topmost
//   `Authentication-Results: mx.google.com` header (the fixtures' stamp) is
//   rewritten to Outlook's authserv-id, `mx.microsoft.com`.
//
// Start: node end2end/fake-microsoft/server.mjs
// Env:   FAKE_MICROSOFT_PORT (4011), FAKE_MICROSOFT_CLIENT_ID (fake-microsoft-client-id),
//        FAKE_MICROSOFT_CLIENT_SECRET (fake-microsoft-client-secret),
//        FAKE_MICROSOFT_SEED_ALERTS (1: every new mailbox gets the demo's alert mails)
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { OAuth2Issuer } from 'oauth2-mock-server';
import { answerSharedAdmin } from '../fake-common/admin.mjs';
import { MICROSOFT_BRAND, MICROSOFT_MAIL_READ, consentPage, errorPage } from '../fake-common/consent.mjs';
import { normalizeSeed, seedAlertMessages } from '../fake-google/gmail.mjs';
import {
  HttpError,
  adminEmail,
  badParameter,
  bearerToken,
  clientCredentials,
  formToObject,
  listen,
  normalizeEmail,
  parseBody,
  readBody,
  redirectTo,
  sendHtml,
  sendJson,
} from '../fake-common/http.mjs';
import { FakeGoogleState, pkceS256Matches } from '../fake-google/state.mjs';
import { FORGERIES, LIFECYCLE_EVENTS, SubscriptionError, Subscriptions } from './subscriptions.mjs';

export const PATHS = Object.freeze({
  authorize: '/common/oauth2/v2.0/authorize',
  decision: '/common/oauth2/v2.0/authorize/decision',
  token: '/common/oauth2/v2.0/token',
  graph: '/v1.0/',
});

/** The authserv-id Outlook stamps on the mail it receives. */
export const OUTLOOK_AUTHSERV_ID = 'mx.microsoft.com';

const ENDPOINTS = Object.freeze(['authorize', 'decision', 'token', 'graph']);
const SUBSCRIPTIONS = '/v1.0/subscriptions';
const OPERATIONS = Object.freeze(['me', 'list', 'mime']);
const DEFAULT_EMAIL = 'tester@outlook.com';
const PERSONAL_DOMAINS = new Set(['outlook.com', 'hotmail.com', 'live.com', 'msn.com']);
const MAIL_SCOPES = new Set(['mail.read', 'mail.readwrite'].map((s) => `https://graph.microsoft.com/${s}`));
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const PKCE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;
const PROMPTS = new Set(['login', 'none', 'consent', 'select_account']);
const CARRIED = Object.freeze([
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'prompt',
  'login_hint',
  'nonce',
]);
const DEFAULT_TOP = 10;
const MAX_TOP = 1000;
// `receivedDateTime ge 2026-11-01T00:00:00Z` (or gt), the one filter a sync sends.
const RECEIVED_FILTER = /^receivedDateTime\s+(ge|gt)\s+(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)$/;
const MESSAGE_FIELDS = new Set(['id', 'receivedDateTime', 'from', 'subject', 'sender', 'internetMessageId']);

// ---- Microsoft's error bodies -------------------------------------------------

// The identity platform's: `{error, error_description: "AADSTS…: …", error_codes, …}`.
function aadError(error, code, description) {
  return {
    error,
    error_description: `AADSTS${code}: ${description}`,
    error_codes: [code],
    timestamp: new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
  };
}

// Graph's: `{error: {code, message, innerError}}`.
function graphError(code, message) {
  return { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': randomUUID() } } };
}

const GRAPH_FAULTS = Object.freeze({
  401: ['InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'],
  403: ['ErrorAccessDenied', 'Access is denied. Check credentials and try again.'],
  404: ['ErrorItemNotFound', 'The specified object was not found in the store.'],
  429: ['ApplicationThrottled', 'Application is over its MailboxConcurrency limit.'],
  500: ['InternalServerError', 'An internal server error occurred.'],
  503: ['ServiceUnavailable', 'The service is temporarily unavailable.'],
});

// ---- mail received by Outlook -------------------------------------------------

// The message as Outlook would hold it: its topmost Gmail verdict becomes Outlook's.
export function receivedByOutlook(raw) {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  const stamped = head.replace(/^(Authentication-Results:[ \t]*)mx\.google\.com\b/im, `$1${OUTLOOK_AUTHSERV_ID}`);
  return Buffer.from(stamped + text.slice(head.length), 'latin1');
}

function stamp(messages) {
  for (const message of messages) message.raw = receivedByOutlook(message.raw);
  return messages;
}

// Graph's message ids are long opaque strings; these wrap the store's own.
function graphId(id) {
  return `AAMkAG${id}AAA=`;
}

function storeId(graphMessageId) {
  const match = /^AAMkAG([A-Za-z0-9_-]+)AAA=$/.exec(graphMessageId);
  return match ? match[1] : null;
}

// A stable Graph user id: 16 hex digits for personal accounts, a GUID for work ones.
function graphUserId(email) {
  const hex = createHash('sha256').update(`microsoft:${email}`).digest('hex');
  if (isPersonal(email)) return hex.slice(0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function isPersonal(email) {
  return PERSONAL_DOMAINS.has(email.split('@')[1]);
}

class FakeMicrosoftState extends FakeGoogleState {
  reset() {
    super.reset();
    this.config = { accessTokenTtl: 3599, push: false }; // Microsoft rotates refresh tokens always
    this.retired = new Map(); // refresh tokens rotated away -> their account
  }

  mailbox(email) {
    const fresh = !this.mailboxes.has(email);
    const box = super.mailbox(email);
    if (fresh) stamp([...box.messages.values()]);
    return box;
  }
}

// ---- authorization request ----------------------------------------------------

function validateAuthorization(cfg, params) {
  const fail = (code, message) => ({ error: { code, message } });
  for (const name of CARRIED) {
    if (params[name] !== undefined && typeof params[name] !== 'string') {
      return fail('invalid_request', `AADSTS90015: Duplicate or invalid parameter: ${name}`);
    }
  }
  for (const name of ['client_id', 'redirect_uri', 'response_type', 'scope', 'code_challenge']) {
    if (!params[name]) return fail('invalid_request', `AADSTS900144: The request body must contain the following parameter: '${name}'.`);
  }
  if (params.client_id !== cfg.clientId) {
    return fail('unauthorized_client', `AADSTS700016: Application with identifier '${params.client_id}' was not found in the directory.`);
  }
  let redirect;
  try {
    redirect = new URL(params.redirect_uri);
  } catch {
    redirect = null;
  }
  if (!redirect || !['http:', 'https:'].includes(redirect.protocol) || params.redirect_uri.includes('#')) {
    return fail('invalid_request', `AADSTS50011: The redirect URI '${params.redirect_uri}' is not valid.`);
  }
  if (params.response_type !== 'code') return fail('unsupported_response_type', `AADSTS700054: response_type '${params.response_type}' is not enabled.`);
  if ((params.response_mode ?? 'query') !== 'query') return fail('invalid_request', `AADSTS900144: response_mode must be query, got ${params.response_mode}`);
  const scopes = [...new Set(params.scope.split(/\s+/).filter(Boolean))];
  const badScope = scopes.find((s) => !SCOPE_TOKEN.test(s));
  if (badScope !== undefined) return fail('invalid_scope', `AADSTS70011: The provided value for the input parameter 'scope' is not valid: ${badScope}`);
  if (!PKCE_CHALLENGE.test(params.code_challenge) || params.code_challenge_method !== 'S256') {
    return fail('invalid_request', 'AADSTS501491: Invalid size of Code_Challenge parameter, or code_challenge_method is not S256.');
  }
  const prompt = params.prompt ?? 'select_account';
  if (!PROMPTS.has(prompt)) return fail('invalid_request', `AADSTS90023: Invalid prompt: ${prompt}`);
  return {
    request: {
      clientId: params.client_id,
      redirectUri: params.redirect_uri,
      scopes,
      state: params.state,
      codeChallenge: params.code_challenge,
      prompt,
      loginHint: params.login_hint,
    },
  };
}

// GET /common/oauth2/v2.0/authorize: the consent page.
function handleAuthorize(ctx, req, res, { params }) {
  if (req.method !== 'GET') return sendHtml(res, 405, errorPage(405, 'invalid_request', `Method ${req.method} not allowed`, MICROSOFT_BRAND));
  const { request, error } = validateAuthorization(ctx.cfg, params);
  if (error) return sendHtml(res, 400, errorPage(400, error.code, error.message, MICROSOFT_BRAND));
  if (request.prompt === 'none') {
    return redirectTo(res, request.redirectUri, {
      error: 'login_required',
      error_description: 'AADSTS50058: A silent sign-in request was sent but no user is signed in.',
      state: request.state,
    });
  }
  const defaultEmail = normalizeEmail(request.loginHint) ?? DEFAULT_EMAIL;
  sendHtml(res, 200, consentPage({ request, params, decisionPath: PATHS.decision, defaultEmail, brand: MICROSOFT_BRAND, carried: CARRIED }));
}

// POST /common/oauth2/v2.0/authorize/decision: Allow or Deny from the consent page.
function handleDecision(ctx, req, res, { params }) {
  if (req.method !== 'POST') return sendHtml(res, 405, errorPage(405, 'invalid_request', `Method ${req.method} not allowed`, MICROSOFT_BRAND));
  const { request, error } = validateAuthorization(ctx.cfg, params);
  if (error) return sendHtml(res, 400, errorPage(400, error.code, error.message, MICROSOFT_BRAND));
  if (params.decision === 'deny') {
    return redirectTo(res, request.redirectUri, {
      error: 'access_denied',
      error_description: 'AADSTS65004: User declined to consent to access the app.',
      state: request.state,
    });
  }
  if (params.decision !== 'allow') return sendHtml(res, 400, errorPage(400, 'invalid_request', 'Choose Allow or Deny', MICROSOFT_BRAND));
  const email = normalizeEmail(params.email);
  if (!email) return sendHtml(res, 400, errorPage(400, 'invalid_request', `Not a valid email address: ${params.email ?? ''}`, MICROSOFT_BRAND));
  ctx.state.mailbox(email);
  const ticked = new Set([].concat(params.granted_scope ?? []));
  const scopes = request.scopes.filter((s) => ticked.has(s));
  const code = `M.C5_BAY.${randomBytes(24).toString('base64url')}`;
  ctx.state.saveCode(code, {
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    email,
    emailVerified: true,
    scopes,
    withRefreshToken: scopes.includes('offline_access'),
  });
  redirectTo(res, request.redirectUri, { code, state: request.state });
}

// ---- token ----------------------------------------------------------------------

// POST /common/oauth2/v2.0/token: authorization_code and refresh_token grants.
async function handleToken(ctx, req, res, { params }) {
  if (req.method !== 'POST') return sendJson(res, 405, aadError('invalid_request', 900561, 'The endpoint only accepts POST requests.'));
  const bad = badParameter(params);
  if (bad !== null) return sendJson(res, 400, aadError('invalid_request', 90015, `Duplicate or invalid parameter: ${bad}`));
  const client = clientCredentials(req, params);
  if (client.error) return sendJson(res, 400, aadError('invalid_request', 900144, client.error));
  if (client.id !== ctx.cfg.clientId) {
    return sendJson(res, 400, aadError('unauthorized_client', 700016, `Application with identifier '${client.id}' was not found in the directory.`));
  }
  if (client.secret !== ctx.cfg.clientSecret) return sendJson(res, 401, aadError('invalid_client', 7000215, 'Invalid client secret provided.'));

  if (params.grant_type === 'authorization_code') {
    for (const name of ['code', 'redirect_uri', 'code_verifier']) {
      if (!params[name]) return sendJson(res, 400, aadError('invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`));
    }
    const pending = ctx.state.codes.get(params.code);
    if (pending && !pending.used && !pkceS256Matches(params.code_verifier, pending.codeChallenge)) {
      return sendJson(res, 400, aadError('invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'));
    }
    const redeemed = ctx.state.redeemCode(params.code, { clientId: client.id, redirectUri: params.redirect_uri, codeVerifier: params.code_verifier });
    if (!redeemed) return sendJson(res, 400, aadError('invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity.'));
    const grant = ctx.state.grantFor(redeemed);
    return sendJson(res, 200, await mintTokens(ctx, grant, redeemed.scopes, redeemed.withRefreshToken ? null : undefined));
  }

  if (params.grant_type === 'refresh_token') {
    if (!params.refresh_token) return sendJson(res, 400, aadError('invalid_request', 900144, "The request body must contain the following parameter: 'refresh_token'."));
    const rec = ctx.state.lookupRefreshToken(params.refresh_token);
    if (!rec || rec.grant.clientId !== client.id) {
      return sendJson(res, 400, aadError('invalid_grant', 70000, 'Provided grant is invalid or malformed.'));
    }
    return sendJson(res, 200, await mintTokens(ctx, rec.grant, rec.scopes, params.refresh_token));
  }
  return sendJson(res, 400, aadError('unsupported_grant_type', 70003, `The app requested an unsupported grant type '${params.grant_type ?? ''}'.`));
}

// New tokens for a grant. `replacing` is the refresh token being redeemed (rotated away
// now), null for a first refresh token, undefined for none.
async function mintTokens(ctx, grant, scopes, replacing) {
  const ttl = ctx.state.configFor(grant.email).accessTokenTtl;
  const userId = graphUserId(grant.email);
  const accessToken = await ctx.issuer.buildToken({
    expiresIn: ttl,
    scopesOrTransform: (_header, payload) => {
      Object.assign(payload, { sub: userId, oid: userId, aud: 'https://graph.microsoft.com', appid: grant.clientId, scp: scopes.join(' '), jti: randomUUID() });
    },
  });
  ctx.state.addAccessToken(grant, accessToken, scopes, ttl);
  const body = {
    token_type: 'Bearer',
    scope: [...scopes, 'https://graph.microsoft.com/User.Read'].join(' '),
    expires_in: ttl,
    ext_expires_in: ttl,
    access_token: accessToken,
  };
  if (replacing !== undefined) {
    body.refresh_token = `M.C5_BAY.0.U.-${randomBytes(32).toString('base64url')}`;
    if (replacing === null) ctx.state.addRefreshToken(grant, body.refresh_token, scopes);
    else {
      ctx.state.rotateRefreshToken(replacing, body.refresh_token);
      ctx.state.retired.set(replacing, grant.email);
    }
  }
  if (scopes.includes('openid')) {
    body.id_token = await ctx.issuer.buildToken({
      expiresIn: 3600,
      scopesOrTransform: (_header, payload) => {
        delete payload.scope;
        Object.assign(payload, { sub: userId, oid: userId, aud: grant.clientId, email: grant.email, preferred_username: grant.email });
      },
    });
  }
  return body;
}

// ---- Graph ----------------------------------------------------------------------

const GRAPH_ROUTE = /^\/v1\.0\/me(?:\/messages(?:\/([^/]+)(\/\$value)?)?)?$/;

// `me`, `list` or `mime` (with the message id), or null.
function graphRoute(pathname) {
  const match = GRAPH_ROUTE.exec(pathname);
  if (!match) return null;
  if (pathname === '/v1.0/me') return { operation: 'me' };
  if (match[1] === undefined) return { operation: 'list' };
  if (match[2] === undefined) return null;
  let id;
  try {
    id = decodeURIComponent(match[1]);
  } catch {
    id = match[1];
  }
  return { operation: 'mime', messageId: id };
}

function graphCallInfo(ctx, req, pathname, url) {
  const route = graphRoute(pathname);
  const token = bearerToken(req);
  const rec = token ? ctx.state.lookupAccessToken(token) : null;
  const info = { operation: route?.operation ?? null, account: rec?.grant.email ?? null, query: url.search.slice(1) };
  if (route?.messageId !== undefined) info.messageId = route.messageId;
  return info;
}

// Whose grant a token call redeems (a code's or a refresh token's account, a rotated-away
// refresh token's included), for recorded calls.
function tokenCallInfo(ctx, endpoint, params) {
  if (endpoint !== 'token') return undefined;
  const code = typeof params.code === 'string' ? ctx.state.codes.get(params.code) : undefined;
  const refresh = typeof params.refresh_token === 'string' ? ctx.state.refreshTokens.get(params.refresh_token) : undefined;
  const account = code?.email ?? refresh?.grant.email ?? ctx.state.retired.get(params.refresh_token) ?? null;
  return { operation: null, account, query: '' };
}

// POST /v1.0/subscriptions, PATCH and DELETE /v1.0/subscriptions/{id}.
async function handleSubscriptions(ctx, req, res, pathname, body) {
  const token = bearerToken(req);
  const rec = token ? ctx.state.lookupAccessToken(token) : null;
  if (!rec) return sendJson(res, 401, graphError('InvalidAuthenticationToken', 'Access token is empty.'));
  const email = rec.grant.email;
  const id = pathname.slice(SUBSCRIPTIONS.length + 1);
  try {
    if (pathname === SUBSCRIPTIONS && req.method === 'POST') {
      return sendJson(res, 201, await ctx.subscriptions.create(email, body));
    }
    if (id && req.method === 'PATCH') return sendJson(res, 200, ctx.subscriptions.renew(id, email, body));
    if (id && req.method === 'DELETE') {
      ctx.subscriptions.remove(id, email);
      res.writeHead(204);
      return res.end();
    }
  } catch (err) {
    if (err instanceof SubscriptionError) return sendJson(res, err.status, graphError(err.code, err.message));
    throw err;
  }
  return sendJson(res, 405, graphError('Request_BadRequest', `Method ${req.method} not allowed`));
}

function handleGraph(ctx, req, res, { pathname, query }) {
  const route = graphRoute(pathname);
  if (!route) return sendJson(res, 400, graphError('BadRequest', `Resource not found for the segment '${pathname}'.`));
  if (req.method !== 'GET') return sendJson(res, 405, graphError('Request_BadRequest', `Method ${req.method} not allowed`));
  const token = bearerToken(req);
  const rec = token ? ctx.state.lookupAccessToken(token) : null;
  if (!rec) {
    const message = token ? 'Lifetime validation failed, the token is expired.' : 'Access token is empty.';
    return sendJson(res, 401, graphError('InvalidAuthenticationToken', message), { 'www-authenticate': 'Bearer realm="", error="invalid_token"' });
  }
  const email = rec.grant.email;
  if (route.operation === 'me') {
    return sendJson(res, 200, {
      '@odata.context': `${ctx.baseUrl}/v1.0/$metadata#users/$entity`,
      id: graphUserId(email),
      displayName: email.split('@')[0],
      mail: isPersonal(email) ? null : email,
      userPrincipalName: email,
    });
  }
  if (!rec.scopes.some((s) => MAIL_SCOPES.has(s.toLowerCase()))) return sendJson(res, 403, graphError(...GRAPH_FAULTS[403]));
  const mailbox = ctx.state.mailbox(email);
  if (route.operation === 'mime') {
    const id = storeId(route.messageId);
    const message = id === null ? null : mailbox.get(id);
    if (!message) return sendJson(res, 404, graphError(...GRAPH_FAULTS[404]));
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
    return res.end(message.raw);
  }
  return listMessages(ctx, res, mailbox, query);
}

function listMessages(ctx, res, mailbox, query) {
  const invalid = (message) => sendJson(res, 400, graphError('ErrorInvalidUrlQueryFilter', message));
  for (const [name, value] of Object.entries(query)) {
    if (typeof value !== 'string') return invalid(`Query option '${name}' is specified more than once.`);
  }
  const top = query.$top === undefined ? DEFAULT_TOP : Number(query.$top);
  const skip = query.$skip === undefined ? 0 : Number(query.$skip);
  if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) return invalid(`Invalid $top: ${query.$top}`);
  if (!Number.isInteger(skip) || skip < 0) return invalid(`Invalid $skip: ${query.$skip}`);
  const fields = (query.$select ?? 'id,receivedDateTime,from,subject').split(',').map((f) => f.trim());
  const unknown = fields.find((f) => !MESSAGE_FIELDS.has(f));
  if (unknown !== undefined) return invalid(`Could not find a property named '${unknown}' on type 'microsoft.graph.message'.`);
  let since = null;
  let inclusive = true;
  if (query.$filter !== undefined) {
    const match = RECEIVED_FILTER.exec(query.$filter.trim());
    if (!match) return invalid('The query filter contains one or more invalid nodes.');
    inclusive = match[1] === 'ge';
    since = Date.parse(match[2]);
  }
  const order = (query.$orderby ?? 'receivedDateTime desc').trim();
  if (!/^receivedDateTime( (asc|desc))?$/.test(order)) return invalid(`Unsupported $orderby: ${order}`);
  const received = (m) => Math.floor(m.internalDate / 1000) * 1000; // Graph's times are whole seconds
  const matches = [...mailbox.messages.values()]
    .filter((m) => since === null || (inclusive ? received(m) >= since : received(m) > since))
    .sort((a, b) => (order.endsWith('asc') ? a.internalDate - b.internalDate : b.internalDate - a.internalDate));
  const page = matches.slice(skip, skip + top).map((m) => graphMessage(m, fields));
  const body = { '@odata.context': `${ctx.baseUrl}/v1.0/$metadata#users('me')/messages(${fields.join(',')})`, value: page };
  if (skip + top < matches.length) {
    const next = new URL(`${ctx.baseUrl}/v1.0/me/messages`);
    for (const [name, value] of Object.entries(query)) if (name !== '$skip') next.searchParams.set(name, value);
    next.searchParams.set('$skip', String(skip + top));
    body['@odata.nextLink'] = next.href;
  }
  sendJson(res, 200, body);
}

function graphMessage(message, fields) {
  const [address] = message.fromAddresses;
  const name = message.from.replace(/<[^>]*>/, '').replace(/"/g, '').trim() || address || '';
  const all = {
    id: graphId(message.id),
    receivedDateTime: new Date(message.internalDate).toISOString().replace(/\.\d+Z$/, 'Z'),
    from: { emailAddress: { name, address: address ?? '' } },
    sender: { emailAddress: { name, address: address ?? '' } },
    subject: message.subject,
    internetMessageId: `<${message.messageIdHeader}>`,
  };
  const out = { '@odata.etag': `W/"${message.id}"`, id: all.id };
  for (const field of fields) out[field] = all[field];
  return out;
}

// ---- admin ----------------------------------------------------------------------

const FAULT_FIELDS = ['endpoint', 'status', 'body', 'delayMs', 'times', 'email', 'operation', 'retryAfter'];

function checkFault(body) {
  const unknown = Object.keys(body).find((k) => !FAULT_FIELDS.includes(k));
  if (unknown !== undefined) throw new HttpError(400, `unknown fault field: ${unknown}`);
  if (!ENDPOINTS.includes(body.endpoint)) throw new HttpError(400, `endpoint must be one of ${ENDPOINTS.join(', ')}`);
  if (body.status !== undefined && !(Number.isInteger(body.status) && body.status >= 100 && body.status <= 599)) {
    throw new HttpError(400, 'status must be an HTTP status');
  }
  if (body.status === undefined && body.delayMs === undefined) throw new HttpError(400, 'give a status, a delayMs, or both');
  for (const name of ['delayMs', 'times', 'retryAfter']) {
    if (body[name] !== undefined && body[name] !== null && !(Number.isInteger(body[name]) && body[name] >= 0)) {
      throw new HttpError(400, `${name} must be a non-negative integer`);
    }
  }
  if (body.operation !== undefined && (body.endpoint !== 'graph' || !OPERATIONS.includes(body.operation))) {
    throw new HttpError(400, `operation is for graph faults, one of ${OPERATIONS.join(', ')}`);
  }
  const email = body.email === undefined ? undefined : normalizeEmail(body.email);
  if (email === null) throw new HttpError(400, 'email must be an email address');
  return { ...body, email };
}

// The fake's one setting: how long new access tokens live, in whole seconds.
// The settings: accessTokenTtl (whole seconds) and push (new mail is notified to the
// mailbox's subscriptions; tests turn it on for their own mailboxes).
function checkConfig(body) {
  const update = {};
  for (const [name, value] of Object.entries(body)) {
    if (name === 'accessTokenTtl' && Number.isInteger(value) && value >= 0) update[name] = value;
    else if (name === 'push' && typeof value === 'boolean') update[name] = value;
    else throw new HttpError(400, 'the settings are accessTokenTtl (whole seconds) and push (a boolean)');
  }
  return update;
}

async function handleAdmin(ctx, req, res, pathname, url) {
  const { state } = ctx;
  const body = parseBody({ headers: { 'content-type': 'application/json' } }, await readBody(req));
  const key = `${req.method} ${pathname}`;
  if (answerSharedAdmin({ key, state, res, url, body, checkFault, checkConfig })) return;
  switch (key) {
    case 'POST /__admin/messages': {
      const email = adminEmail(body.email);
      let messages;
      try {
        messages = normalizeSeed(email, body.messages);
      } catch (err) {
        throw new HttpError(400, err.message);
      }
      const box = state.mailbox(email);
      box.add(stamp(messages));
      const ids = messages.map((m) => graphId(m.id));
      if (state.configFor(email).push) ctx.subscriptions.published(email, ids);
      return sendJson(res, 200, { email, count: box.messages.size, ids });
    }
    case 'POST /__admin/notifications/faults': {
      const email = adminEmail(body.email);
      const { email: _, ...faults } = body;
      try {
        ctx.subscriptions.setFaults(email, faults);
      } catch (err) {
        throw new HttpError(400, err.message);
      }
      return sendJson(res, 200, { email, faults: ctx.subscriptions.faults.get(email) });
    }
    case 'POST /__admin/notifications/lifecycle': {
      const email = adminEmail(body.email);
      if (!LIFECYCLE_EVENTS.includes(body.event)) throw new HttpError(400, `event must be one of: ${LIFECYCLE_EVENTS.join(', ')}`);
      return sendJson(res, 200, { email, statuses: await ctx.subscriptions.lifecycle(email, body.event) });
    }
    case 'POST /__admin/notifications/forge': {
      const email = adminEmail(body.email);
      if (!FORGERIES.includes(body.kind)) throw new HttpError(400, `kind must be one of: ${FORGERIES.join(', ')}`);
      return sendJson(res, 200, { email, kind: body.kind, status: await ctx.subscriptions.forge(email, body.kind) });
    }
    case 'GET /__admin/notifications': {
      const email = adminEmail(url.searchParams.get('email') ?? undefined);
      return sendJson(res, 200, { email, ...ctx.subscriptions.describe(email) });
    }
    default:
      return sendJson(res, 404, { error: 'not_found', error_description: `No admin endpoint: ${req.method} ${pathname}` });
  }
}

// ---- routing ----------------------------------------------------------------------

const HANDLERS = { authorize: handleAuthorize, decision: handleDecision, token: handleToken, graph: handleGraph };

function endpointOf(pathname) {
  if (pathname === PATHS.authorize) return 'authorize';
  if (pathname === PATHS.decision) return 'decision';
  if (pathname === PATHS.token) return 'token';
  if (pathname.startsWith(PATHS.graph)) return 'graph';
  return null;
}

function sendFault(res, endpoint, { status, body, retryAfter }) {
  const headers = retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
  if (body !== undefined) return sendJson(res, status, body, headers);
  if (endpoint === 'graph') {
    const [code, message] = GRAPH_FAULTS[status] ?? ['BadRequest', 'Injected fault'];
    return sendJson(res, status, graphError(code, message), headers);
  }
  const error = status >= 500 ? 'temporarily_unavailable' : 'invalid_request';
  sendJson(res, status, aadError(error, status >= 500 ? 50196 : 900144, 'Injected fault'), headers);
}

async function dispatch(ctx, req, res) {
  const url = new URL(req.url ?? '/', 'http://fake-microsoft.invalid');
  const pathname = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  if (pathname.startsWith('/__admin/')) return handleAdmin(ctx, req, res, pathname, url);
  const endpoint = endpointOf(pathname);
  if (endpoint === null) return sendJson(res, 404, { error: 'not_found', error_description: `No such endpoint: ${pathname}` });

  if (pathname === SUBSCRIPTIONS || pathname.startsWith(`${SUBSCRIPTIONS}/`)) {
    const raw = await readBody(req);
    let body;
    try {
      body = raw.length > 0 ? JSON.parse(raw) : {};
    } catch {
      return sendJson(res, 400, graphError('BadRequest', 'Unable to read JSON request payload.'));
    }
    ctx.state.recordCall({ endpoint: 'graph', method: req.method, path: pathname, params: {}, gmail: { operation: 'subscriptions', account: null, query: '' } });
    return handleSubscriptions(ctx, req, res, pathname, body);
  }
  const query = formToObject(url.searchParams);
  const body = endpoint === 'graph' ? Object.create(null) : parseBody(req, await readBody(req));
  const params = Object.assign(Object.create(null), query, body);
  const graph = endpoint === 'graph' ? graphCallInfo(ctx, req, pathname, url) : tokenCallInfo(ctx, endpoint, params);
  const call = ctx.state.recordCall({
    endpoint,
    method: req.method,
    path: pathname,
    params,
    grantType: endpoint === 'token' && typeof params.grant_type === 'string' ? params.grant_type : undefined,
    bearer: bearerToken(req) ?? undefined,
    gmail: graph,
  });
  res.on('finish', () => {
    call.status = res.statusCode;
  });
  const { delayMs, respond } = ctx.state.takeFaults(endpoint, graph ?? {});
  if (delayMs > 0) await sleep(delayMs);
  if (respond) return sendFault(res, endpoint, respond);
  return HANDLERS[endpoint](ctx, req, res, { params, query, pathname });
}

/**
 * Starts a fake Microsoft on host:port (port 0 picks a free one). With
 * seedAlerts, every mailbox starts with the demo's alert mails.
 * Resolves to { url, port, state, close }.
 */
export async function startFakeMicrosoft({
  port = 4011,
  host = '127.0.0.1',
  clientId = 'fake-microsoft-client-id',
  clientSecret = 'fake-microsoft-client-secret',
  seedAlerts = false,
} = {}) {
  if (seedAlerts) seedAlertMessages(); // fails now, not at the first sign-in, if a fixture is missing
  const state = new FakeMicrosoftState({ seedAlerts });
  const issuer = new OAuth2Issuer();
  await issuer.keys.generate('RS256');
  const ctx = { cfg: { clientId, clientSecret }, state, issuer, subscriptions: new Subscriptions(), baseUrl: '' };
  const server = http.createServer((req, res) => {
    dispatch(ctx, req, res).catch((err) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) console.error('fake microsoft: unexpected error:', err);
      if (res.headersSent) return res.end();
      sendJson(res, status, { error: status === 500 ? 'server_error' : 'invalid_request', error_description: err.message }, { connection: 'close' });
    });
  });
  const { url, port: actualPort, close } = await listen(server, port, host);
  ctx.baseUrl = url;
  issuer.url = `${url}/common/v2.0`;
  return { url, port: actualPort, state, close };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  const raw = process.env.FAKE_MICROSOFT_PORT ?? '4011';
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
    console.error(`fake microsoft: FAKE_MICROSOFT_PORT must be a port number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  let fake;
  try {
    fake = await startFakeMicrosoft({
      port: Number(raw),
      clientId: process.env.FAKE_MICROSOFT_CLIENT_ID || 'fake-microsoft-client-id',
      clientSecret: process.env.FAKE_MICROSOFT_CLIENT_SECRET || 'fake-microsoft-client-secret',
      seedAlerts: ['1', 'true', 'yes'].includes((process.env.FAKE_MICROSOFT_SEED_ALERTS ?? '').trim().toLowerCase()),
    });
  } catch (err) {
    console.error(`fake microsoft: cannot start: ${err.message}`);
    process.exit(1);
  }
  console.log(`fake microsoft listening on ${fake.url}`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => fake.close().then(() => process.exit(0)));
}
