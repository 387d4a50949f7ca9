// Fake Google for mailconnect's end-to-end tests and local demo.
//
// A small node:http router in front of oauth2-mock-server. The mock signs the
// tokens (access tokens and id_tokens are RS256 JWTs; keys at /oauth2/v3/certs)
// and mints authorization codes; this router adds what Google has and the
// mock lacks: a consent page, single-use codes bound to client, redirect URI,
// PKCE challenge and user, refresh and revocation state, Google's error
// bodies, a Gmail API subset, and /__admin/ endpoints for tests.
//
// Start: node end2end/fake-google/server.mjs
// Env:   FAKE_GOOGLE_PORT (4010), FAKE_GOOGLE_CLIENT_ID (fake-client-id),
//        FAKE_GOOGLE_CLIENT_SECRET (fake-client-secret),
//        FAKE_GOOGLE_REDIRECT_URIS (optional, comma separated allow-list),
//        FAKE_GOOGLE_SEED_ALERTS (1: every new mailbox gets the demo's alert mails),
//        FAKE_PUBSUB_PUSH_ENDPOINT, FAKE_PUBSUB_AUDIENCE, FAKE_PUBSUB_SERVICE_ACCOUNT (Gmail push:
//        where watched mailboxes' changes are delivered; see pubsub.mjs)
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { OAuth2Issuer, OAuth2Service } from 'oauth2-mock-server';
import { answerSharedAdmin } from '../fake-common/admin.mjs';
import { CARRIED_PARAMS, consentPage, errorPage } from '../fake-common/consent.mjs';
import {
  FAULT_REASONS,
  GMAIL_INSUFFICIENT_SCOPE,
  GMAIL_NOT_FOUND,
  GMAIL_READ_SCOPES,
  GMAIL_UNAUTHENTICATED,
  OPERATIONS,
  WWW_AUTHENTICATE,
  gmailError,
  gmailFaultResponse,
  historyResponse,
  invalidArgument,
  listResponse,
  messageResource,
  normalizeSeed,
  searchMessages,
  seedAlertMessages,
} from './gmail.mjs';
import {
  HttpError,
  adminEmail,
  badParameter,
  bearerToken,
  clientCredentials,
  formToObject,
  invalidRequest,
  listen,
  normalizeEmail,
  parseBody,
  readBody,
  redirectTo,
  sendHtml,
  sendJson,
} from '../fake-common/http.mjs';
import { FORGERIES, PubSub } from './pubsub.mjs';
import { ENDPOINTS, FakeGoogleState } from './state.mjs';

export const PATHS = Object.freeze({
  authorize: '/o/oauth2/v2/auth',
  decision: '/o/oauth2/v2/auth/decision',
  token: '/token',
  userinfo: '/v1/userinfo',
  revoke: '/revoke',
  jwks: '/oauth2/v3/certs',
  discovery: '/.well-known/openid-configuration',
  gmail: '/gmail/v1/',
});

const DEFAULT_EMAIL = 'tester@gmail.com';
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 scope-token
const PKCE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;
const PROMPTS = new Set(['none', 'consent', 'select_account']);

// Bodies Google answers with.
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'The OAuth client was not found.' };
const INVALID_GRANT_CODE = { error: 'invalid_grant', error_description: 'Bad Request' };
const INVALID_GRANT_REFRESH = { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' };
const UNSUPPORTED_GRANT = { error: 'unsupported_grant_type' };
const INVALID_TOKEN = { error: 'invalid_token' };
const REVOKE_UNKNOWN = { error: 'invalid_token', error_description: 'Token expired or revoked' };

// ---- authorization request --------------------------------------------------

// Validates the parameters of an authorization request (the consent page and
// the decision both do). Returns { request } or { error: { code, message } }.
function validateAuthorization(cfg, params) {
  const fail = (code, message) => ({ error: { code, message } });
  for (const name of CARRIED_PARAMS) {
    if (params[name] !== undefined && typeof params[name] !== 'string') {
      return fail('invalid_request', `Duplicate or invalid parameter: ${name}`);
    }
  }
  for (const name of ['client_id', 'redirect_uri', 'response_type', 'scope', 'code_challenge']) {
    if (!params[name]) return fail('invalid_request', `Missing required parameter: ${name}`);
  }
  if (params.client_id !== cfg.clientId) return fail('invalid_client', 'The OAuth client was not found.');

  let redirect;
  try {
    redirect = new URL(params.redirect_uri);
  } catch {
    redirect = null;
  }
  if (!redirect || !['http:', 'https:'].includes(redirect.protocol) || params.redirect_uri.includes('#')) {
    return fail('invalid_request', `Invalid parameter value for redirect_uri: ${params.redirect_uri}`);
  }
  if (cfg.redirectUris.length > 0 && !cfg.redirectUris.includes(params.redirect_uri)) {
    return fail('redirect_uri_mismatch', `The redirect URI in the request, ${params.redirect_uri}, does not match the ones authorized for the OAuth client.`);
  }
  if (params.response_type !== 'code') {
    return fail('unsupported_response_type', `Invalid response_type: ${params.response_type}`);
  }

  const scopes = [...new Set(params.scope.split(/\s+/).filter(Boolean))];
  if (scopes.length === 0) return fail('invalid_request', 'Missing required parameter: scope');
  const badScope = scopes.find((s) => !SCOPE_TOKEN.test(s));
  if (badScope !== undefined) return fail('invalid_scope', `Some requested scopes were invalid: ${badScope}`);

  if (!PKCE_CHALLENGE.test(params.code_challenge)) {
    return fail('invalid_request', 'Invalid code_challenge: expected 43 to 128 characters of [A-Za-z0-9-._~]');
  }
  if (params.code_challenge_method !== 'S256') {
    return fail('invalid_request', `Invalid code_challenge_method: ${params.code_challenge_method ?? '(missing)'}; this server requires S256`);
  }
  const accessType = params.access_type ?? 'online';
  if (!['online', 'offline'].includes(accessType)) {
    return fail('invalid_request', `Invalid access_type: ${accessType}`);
  }
  const prompt = (params.prompt ?? '').split(/\s+/).filter(Boolean);
  const badPrompt = prompt.find((p) => !PROMPTS.has(p));
  if (badPrompt !== undefined) return fail('invalid_request', `Invalid prompt: ${badPrompt}`);
  if (prompt.includes('none') && prompt.length > 1) {
    return fail('invalid_request', 'prompt=none cannot be combined with other values');
  }
  const include = params.include_granted_scopes ?? 'false';
  if (!['true', 'false'].includes(include)) {
    return fail('invalid_request', `Invalid include_granted_scopes: ${include}`);
  }
  return {
    request: {
      clientId: params.client_id,
      redirectUri: params.redirect_uri,
      scopes,
      state: params.state,
      codeChallenge: params.code_challenge,
      accessType,
      prompt,
      includeGrantedScopes: include === 'true',
      nonce: params.nonce,
      loginHint: params.login_hint,
    },
  };
}

// GET /o/oauth2/v2/auth: the consent page.
function handleAuthorize(ctx, req, res, { params }) {
  if (req.method !== 'GET') return sendHtml(res, 405, errorPage(405, 'invalid_request', `Method ${req.method} not allowed`));
  const { request, error } = validateAuthorization(ctx.cfg, params);
  if (error) return sendHtml(res, 400, errorPage(400, error.code, error.message));
  // The fake never remembers a signed-in user, so prompt=none cannot succeed.
  if (request.prompt.includes('none')) {
    return redirectTo(res, request.redirectUri, { error: 'interaction_required', state: request.state });
  }
  const defaultEmail = normalizeEmail(request.loginHint) ?? DEFAULT_EMAIL;
  sendHtml(res, 200, consentPage({ request, params, decisionPath: PATHS.decision, defaultEmail }));
}

// POST /o/oauth2/v2/auth/decision: Allow or Deny from the consent page.
function handleDecision(ctx, req, res, { params }) {
  if (req.method !== 'POST') return sendHtml(res, 405, errorPage(405, 'invalid_request', `Method ${req.method} not allowed`));
  const { request, error } = validateAuthorization(ctx.cfg, params);
  if (error) return sendHtml(res, 400, errorPage(400, error.code, error.message));
  if (params.decision === 'deny') {
    return redirectTo(res, request.redirectUri, { error: 'access_denied', state: request.state });
  }
  if (params.decision !== 'allow') {
    return sendHtml(res, 400, errorPage(400, 'invalid_request', 'Choose Allow or Deny'));
  }
  const email = normalizeEmail(params.email);
  if (!email) return sendHtml(res, 400, errorPage(400, 'invalid_request', `Not a valid email address: ${params.email ?? ''}`));
  if (params.email_verified !== undefined && typeof params.email_verified !== 'string') {
    return sendHtml(res, 400, errorPage(400, 'invalid_request', 'Duplicate parameter: email_verified'));
  }
  ctx.state.mailbox(email); // the account's mail exists from its first sign-in

  // Only scopes that were requested can be granted; keep the request's order.
  const ticked = new Set([].concat(params.granted_scope ?? []));
  let scopes = request.scopes.filter((s) => ticked.has(s));
  const live = ctx.state.liveGrant(email, request.clientId);
  if (request.includeGrantedScopes && live) scopes = [...new Set([...scopes, ...live.scopes])];
  // Like Google: a refresh token needs access_type=offline, and is handed out again
  // for an already-authorized user only with prompt=consent.
  const withRefreshToken =
    request.accessType === 'offline' &&
    (request.prompt.includes('consent') || !live || !ctx.state.hasLiveRefreshToken(live));

  // The mock mints the code and redirects; beforeAuthorizeRedirect binds the
  // code to this decision and adds the granted scopes to the redirect.
  req.fakeGoogle = {
    kind: 'authorize',
    pending: {
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      email,
      emailVerified: params.email_verified === 'true',
      scopes,
      withRefreshToken,
    },
  };
  const query = new URLSearchParams({
    response_type: 'code',
    redirect_uri: request.redirectUri,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
  });
  if (request.state !== undefined) query.set('state', request.state);
  if (request.nonce !== undefined) query.set('nonce', request.nonce);
  req.method = 'GET';
  req.url = `${PATHS.authorize}?${query}`;
  ctx.service.requestHandler(req, res);
}

// ---- token, userinfo, revoke ------------------------------------------------

// POST /token: authorization_code and refresh_token grants.
function handleToken(ctx, req, res, { params }) {
  if (req.method !== 'POST') return invalidRequest(res, `Method ${req.method} not allowed`);
  const bad = badParameter(params);
  if (bad !== null) return invalidRequest(res, `Duplicate or invalid parameter: ${bad}`);
  const client = clientCredentials(req, params);
  if (client.error) return invalidRequest(res, client.error);
  if (client.id !== ctx.cfg.clientId || client.secret !== ctx.cfg.clientSecret) {
    return sendJson(res, 401, INVALID_CLIENT);
  }
  if (params.grant_type === 'authorization_code') {
    for (const name of ['code', 'redirect_uri']) {
      if (!params[name]) return invalidRequest(res, `Missing required parameter: ${name}`);
    }
    const pending = ctx.state.redeemCode(params.code, {
      clientId: client.id,
      redirectUri: params.redirect_uri,
      codeVerifier: params.code_verifier,
    });
    if (!pending) return sendJson(res, 400, INVALID_GRANT_CODE);
    const grant = ctx.state.grantFor(pending);
    const ttl = ctx.state.configFor(grant.email).accessTokenTtl;
    req.fakeGoogle = { kind: 'authorization_code', grant, scopes: pending.scopes, withRefreshToken: pending.withRefreshToken, ttl };
    // PKCE was checked above; the mock checks it again against its own record of the code.
    return forwardToken(ctx, req, res, {
      grant_type: 'authorization_code',
      code: params.code,
      code_verifier: params.code_verifier,
      scope: pending.scopes.join(' '),
      client_id: client.id,
    });
  }

  if (params.grant_type === 'refresh_token') {
    if (!params.refresh_token) return invalidRequest(res, 'Missing required parameter: refresh_token');
    const rec = ctx.state.lookupRefreshToken(params.refresh_token);
    if (!rec || rec.grant.clientId !== client.id) return sendJson(res, 400, INVALID_GRANT_REFRESH);
    const ttl = ctx.state.configFor(rec.grant.email).accessTokenTtl;
    req.fakeGoogle = { kind: 'refresh_token', grant: rec.grant, scopes: rec.scopes, refreshToken: params.refresh_token, ttl };
    return forwardToken(ctx, req, res, {
      grant_type: 'refresh_token',
      scope: rec.scopes.join(' '),
      client_id: client.id,
    });
  }

  return sendJson(res, 400, UNSUPPORTED_GRANT);
}

// Lets the mock build and sign the tokens; the hooks below shape its answer.
// The request body has been read already, so express leaves req.body alone.
function forwardToken(ctx, req, res, body) {
  req.url = PATHS.token;
  req.body = body;
  ctx.service.requestHandler(req, res);
}

// GET /v1/userinfo: answered by the mock, filled in by beforeUserinfo.
function handleUserinfo(ctx, req, res, { params }) {
  if (req.method !== 'GET' && req.method !== 'POST') return sendJson(res, 405, INVALID_TOKEN);
  const token = bearerToken(req) ?? (typeof params.access_token === 'string' ? params.access_token : null);
  req.fakeGoogle = { kind: 'userinfo', token };
  req.method = 'GET';
  req.url = PATHS.userinfo;
  ctx.service.requestHandler(req, res);
}

// POST /revoke: the mock's revoke always answers 200 with an empty body, so
// this one is answered here.
function handleRevoke(ctx, req, res, { params }) {
  if (req.method !== 'POST') return invalidRequest(res, `Method ${req.method} not allowed`);
  const bad = badParameter(params);
  if (bad !== null) return invalidRequest(res, `Duplicate or invalid parameter: ${bad}`);
  if (!params.token) return invalidRequest(res, 'Missing required parameter: token');
  if (!ctx.state.revokeToken(params.token)) return sendJson(res, 400, REVOKE_UNKNOWN);
  sendJson(res, 200, {});
}

// ---- Gmail ------------------------------------------------------------------

const GMAIL_ROUTE = /^\/gmail\/v1\/users\/([^/]+)\/(profile|messages|history|watch|stop)(?:\/([^/]+))?$/;

function decodeSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// users.getProfile, users.messages.list / get, users.history.list, or null.
function gmailRoute(pathname) {
  const match = GMAIL_ROUTE.exec(pathname);
  if (!match) return null;
  const userId = decodeSegment(match[1]);
  if (match[2] === 'messages') {
    if (match[3] === undefined) return { userId, operation: 'list' };
    return { userId, operation: 'get', messageId: decodeSegment(match[3]) };
  }
  return match[3] === undefined ? { userId, operation: match[2] } : null;
}

function gmailAccessToken(req, query) {
  return bearerToken(req) ?? (typeof query.access_token === 'string' ? query.access_token : null);
}

// What a Gmail call is about, for recorded calls and for faults: the
// operation, and the account of its access token (null if it has no valid one).
function gmailCallInfo(ctx, req, pathname, url, query) {
  const route = gmailRoute(pathname);
  const token = gmailAccessToken(req, query);
  const rec = token ? ctx.state.lookupAccessToken(token) : null;
  const info = { operation: route?.operation ?? null, account: rec?.grant.email ?? null, query: url.search.slice(1) };
  if (route?.messageId !== undefined) info.messageId = route.messageId;
  return info;
}

const SINGLE_GMAIL_PARAMS = ['q', 'format', 'maxResults', 'pageToken', 'startHistoryId'];

// GET /gmail/v1/users/{userId}/profile, .../messages, .../messages/{id}, .../history;
// POST .../watch, .../stop
function handleGmail(ctx, req, res, { pathname, query, params }) {
  const route = gmailRoute(pathname);
  if (!route) return sendJson(res, 404, GMAIL_NOT_FOUND);
  const push = route.operation === 'watch' || route.operation === 'stop';
  if (req.method !== (push ? 'POST' : 'GET')) {
    return sendJson(res, 405, gmailError(405, 'METHOD_NOT_ALLOWED', `Method ${req.method} not allowed`, 'methodNotAllowed'));
  }
  const token = gmailAccessToken(req, query);
  const rec = token ? ctx.state.lookupAccessToken(token) : null;
  if (!rec) return sendJson(res, 401, GMAIL_UNAUTHENTICATED, { 'www-authenticate': WWW_AUTHENTICATE });
  if (!rec.scopes.some((s) => GMAIL_READ_SCOPES.includes(s))) return sendJson(res, 403, GMAIL_INSUFFICIENT_SCOPE);
  const email = rec.grant.email;
  if (route.userId !== 'me' && route.userId.toLowerCase() !== email) {
    return sendJson(res, 403, gmailError(403, 'PERMISSION_DENIED', `Delegation denied for ${email}`, 'forbidden'));
  }
  for (const name of SINGLE_GMAIL_PARAMS) {
    if (query[name] !== undefined && typeof query[name] !== 'string') {
      return sendJson(res, 400, invalidArgument(`Repeated parameter: ${name}`));
    }
  }
  const mailbox = ctx.state.mailbox(email);

  switch (route.operation) {
    case 'profile':
      return sendJson(res, 200, mailbox.profile());
    case 'watch': {
      const topic = params.topicName;
      if (typeof topic !== 'string' || !/^projects\/[^/]+\/topics\/[^/]+$/.test(topic)) {
        return sendJson(res, 400, invalidArgument('Invalid topicName: it must be projects/{project}/topics/{topic}'));
      }
      return sendJson(res, 200, ctx.pubsub.watch(email, topic, mailbox.historyId));
    }
    case 'stop':
      ctx.pubsub.stop(email);
      res.writeHead(204);
      return res.end();
    case 'list': {
      // SPAM and TRASH are left out, as Gmail does unless asked (mailconnect never asks).
      const matches = searchMessages(mailbox.messages.values(), { q: query.q });
      const listed = listResponse(matches, query);
      if (listed.error) return sendJson(res, 400, listed.error);
      return sendJson(res, 200, listed.body);
    }
    case 'get': {
      const message = mailbox.get(route.messageId);
      if (!message) return sendJson(res, 404, GMAIL_NOT_FOUND);
      const resource = messageResource(message, query.format, [].concat(query.metadataHeaders ?? []));
      if (!resource) {
        return sendJson(res, 400, invalidArgument(`Invalid value for format: ${query.format} (this stand-in serves raw and metadata)`));
      }
      return sendJson(res, 200, resource);
    }
    default: {
      const result = historyResponse(mailbox, query);
      if (result.error) return sendJson(res, result.status, result.error);
      return sendJson(res, 200, result.body);
    }
  }
}

// ---- admin ------------------------------------------------------------------

const FAULT_FIELDS = ['endpoint', 'status', 'body', 'delayMs', 'times', 'email', 'operation', 'reason', 'retryAfter', 'headers'];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function checkFault(body) {
  const unknown = Object.keys(body).find((name) => !FAULT_FIELDS.includes(name));
  if (unknown !== undefined) throw new HttpError(400, `unknown fault field: ${unknown}; known: ${FAULT_FIELDS.join(', ')}`);
  const { endpoint, status, body: faultBody, delayMs, times, operation, reason, retryAfter, headers } = body;
  if (!ENDPOINTS.includes(endpoint)) throw new HttpError(400, `endpoint must be one of: ${ENDPOINTS.join(', ')}`);
  for (const name of ['email', 'operation', 'reason']) {
    if (body[name] !== undefined && endpoint !== 'gmail') throw new HttpError(400, `${name} applies to gmail faults only`);
  }
  let email;
  if (body.email !== undefined) {
    email = normalizeEmail(body.email);
    if (!email) throw new HttpError(400, 'email must be an email address');
  }
  if (operation !== undefined && !OPERATIONS.includes(operation)) {
    throw new HttpError(400, `operation must be one of: ${OPERATIONS.join(', ')}`);
  }
  if (reason !== undefined && !Object.hasOwn(FAULT_REASONS, reason)) {
    throw new HttpError(400, `reason must be one of: ${Object.keys(FAULT_REASONS).join(', ')}`);
  }
  if (retryAfter !== undefined && !(Number.isInteger(retryAfter) && retryAfter >= 0 && retryAfter <= 86_400)) {
    throw new HttpError(400, 'retryAfter must be an integer number of seconds from 0 to 86400');
  }
  if (headers !== undefined) {
    const ok =
      headers !== null &&
      typeof headers === 'object' &&
      !Array.isArray(headers) &&
      Object.entries(headers).every(([n, v]) => HEADER_NAME.test(n) && typeof v === 'string' && !/[\r\n]/.test(v));
    if (!ok) throw new HttpError(400, 'headers must be an object of header names to string values');
  }
  if (status === undefined && (reason !== undefined || retryAfter !== undefined || headers !== undefined)) {
    throw new HttpError(400, 'reason, retryAfter and headers need a status');
  }
  if (status !== undefined && !(Number.isInteger(status) && status >= 200 && status <= 599)) {
    throw new HttpError(400, 'status must be an integer from 200 to 599');
  }
  if (delayMs !== undefined && !(Number.isInteger(delayMs) && delayMs >= 0 && delayMs <= 120_000)) {
    throw new HttpError(400, 'delayMs must be an integer from 0 to 120000');
  }
  if (times !== undefined && times !== null && !(Number.isInteger(times) && times > 0)) {
    throw new HttpError(400, 'times must be a positive integer, or null for every call');
  }
  if (status === undefined && !delayMs) throw new HttpError(400, 'a fault needs a status or a delayMs');
  return { endpoint, status, body: faultBody, delayMs, times, email, operation, reason, retryAfter, headers };
}

function checkConfig(body) {
  const update = {};
  for (const [name, value] of Object.entries(body)) {
    if (name === 'rotateRefreshTokens' || name === 'push') {
      if (typeof value !== 'boolean') throw new HttpError(400, `${name} must be a boolean`);
      update[name] = value;
    } else if (name === 'accessTokenTtl') {
      if (!(Number.isInteger(value) && value >= 0 && value <= 86_400)) {
        throw new HttpError(400, 'accessTokenTtl must be an integer number of seconds from 0 to 86400');
      }
      update[name] = value;
    } else {
      throw new HttpError(400, `unknown setting: ${name}`);
    }
  }
  return update;
}

function describeFault(f) {
  return {
    id: f.id,
    endpoint: f.endpoint,
    email: f.email,
    operation: f.operation,
    status: f.status,
    reason: f.reason,
    retryAfter: f.retryAfter,
    headers: f.headers,
    body: f.body,
    delayMs: f.delayMs,
    remaining: f.remaining,
  };
}

// A history id given to the admin API: a non-negative integer or its decimal string.
function historyIdParam(value, name) {
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;
  if (!Number.isSafeInteger(n) || n < 0) throw new HttpError(400, `${name} must be a history id (a non-negative integer or its decimal string)`);
  return n;
}

async function handleAdmin(ctx, req, res, pathname, url) {
  const { state } = ctx;
  const body = parseBody({ headers: { 'content-type': 'application/json' } }, await readBody(req));
  const one = (name) => url.searchParams.get(name) ?? undefined;
  const key = `${req.method} ${pathname}`;
  if (answerSharedAdmin({ key, state, res, url, body, checkFault, checkConfig, describeFault })) return;
  switch (key) {
    case 'POST /__admin/revoke-all': {
      const email = normalizeEmail(body.email);
      if (!email) throw new HttpError(400, 'email must be an email address');
      return sendJson(res, 200, { revoked: state.revokeAllForEmail(email) });
    }
    case 'POST /__admin/gmail/messages': {
      const email = adminEmail(body.email);
      let messages;
      try {
        messages = normalizeSeed(email, body.messages);
      } catch (err) {
        throw new HttpError(400, err.message);
      }
      const box = state.mailbox(email);
      box.add(messages);
      if (state.configFor(email).push) ctx.pubsub.published(email, box.historyId);
      return sendJson(res, 200, { email, count: box.messages.size, ids: messages.map((m) => m.id), historyId: String(box.historyId) });
    }
    case 'POST /__admin/pubsub/faults': {
      const email = adminEmail(body.email);
      const { email: _, ...faults } = body;
      try {
        ctx.pubsub.setFaults(email, faults);
      } catch (err) {
        throw new HttpError(400, err.message);
      }
      return sendJson(res, 200, { email, faults: ctx.pubsub.faults.get(email) });
    }
    case 'POST /__admin/pubsub/forge': {
      const email = adminEmail(body.email);
      if (!FORGERIES.includes(body.kind)) throw new HttpError(400, `kind must be one of: ${FORGERIES.join(', ')}`);
      return sendJson(res, 200, { email, kind: body.kind, status: await ctx.pubsub.forge(email, body.kind) });
    }
    case 'GET /__admin/pubsub': {
      const email = adminEmail(one('email'));
      return sendJson(res, 200, { email, ...ctx.pubsub.describe(email) });
    }
    case 'POST /__admin/gmail/history-floor': {
      const email = adminEmail(body.email);
      const toCurrent = body.floorToCurrent !== undefined;
      if (toCurrent && (body.floorToCurrent !== true || body.floor !== undefined)) {
        throw new HttpError(400, 'give either floor, or floorToCurrent: true');
      }
      const requested = toCurrent ? null : historyIdParam(body.floor, 'floor');
      const box = state.mailbox(email);
      const floor = requested ?? box.historyId;
      if (floor > box.historyId) throw new HttpError(400, `floor ${floor} is above the mailbox's historyId ${box.historyId}`);
      if (floor < box.floor) throw new HttpError(400, `floor ${floor} is below the current floor ${box.floor}; history that is gone stays gone`);
      box.setFloor(floor);
      return sendJson(res, 200, { email, floor: String(box.floor), historyId: String(box.historyId) });
    }
    case 'GET /__admin/gmail/mailbox': {
      const email = adminEmail(one('email'));
      const box = state.existingMailbox(email);
      if (!box) return sendJson(res, 404, { error: 'not_found', error_description: `No mailbox for ${email} yet` });
      return sendJson(res, 200, box.describe());
    }
    default:
      return sendJson(res, 404, { error: 'not_found', error_description: `No admin endpoint: ${req.method} ${pathname}` });
  }
}

// ---- hooks on the mock ------------------------------------------------------

// Each forwarded request carries req.fakeGoogle; requests without it are left
// as the mock answers them.
function installHooks(service, state) {
  // The code the mock just minted belongs to this consent decision.
  service.on('beforeAuthorizeRedirect', (redirect, req) => {
    const ctx = req.fakeGoogle;
    if (ctx?.kind !== 'authorize') return;
    const code = redirect.url.searchParams.get('code');
    if (code) state.saveCode(code, ctx.pending);
    redirect.url.searchParams.set('scope', ctx.pending.scopes.join(' '));
  });

  // Google-like claims for the access token (the mock gives it a `scope`
  // claim) and the id_token.
  service.on('beforeTokenSigning', (token, req) => {
    const ctx = req.fakeGoogle;
    if (ctx?.kind !== 'authorization_code' && ctx?.kind !== 'refresh_token') return;
    const { grant } = ctx;
    const payload = token.payload;
    delete payload.amr;
    payload.sub = grant.sub;
    payload.azp = grant.clientId;
    payload.aud = grant.clientId;
    if ('scope' in payload) {
      payload.exp = payload.iat + ctx.ttl;
      payload.jti = randomUUID(); // two tokens minted in the same second still differ
    } else {
      payload.email = grant.email;
      payload.email_verified = grant.emailVerified;
    }
  });

  // Records the new tokens and answers with Google's fields.
  service.on('beforeResponse', (response, req) => {
    const ctx = req.fakeGoogle;
    if (ctx?.kind !== 'authorization_code' && ctx?.kind !== 'refresh_token') return;
    if (response.statusCode !== 200 || typeof response.body !== 'object') return;
    const minted = response.body;
    const { grant, scopes, ttl } = ctx;
    // Revoked (or rotated away) while the tokens were being signed.
    if (grant.revoked || (ctx.kind === 'refresh_token' && !state.lookupRefreshToken(ctx.refreshToken))) {
      response.statusCode = 400;
      response.body = ctx.kind === 'refresh_token' ? INVALID_GRANT_REFRESH : INVALID_GRANT_CODE;
      return;
    }
    state.addAccessToken(grant, minted.access_token, scopes, ttl);
    const body = { access_token: minted.access_token, expires_in: ttl };
    if (ctx.kind === 'authorization_code' && ctx.withRefreshToken) {
      body.refresh_token = `1//${minted.refresh_token}`;
      state.addRefreshToken(grant, body.refresh_token, scopes);
    }
    if (ctx.kind === 'refresh_token' && state.configFor(grant.email).rotateRefreshTokens) {
      body.refresh_token = `1//${minted.refresh_token}`;
      state.rotateRefreshToken(ctx.refreshToken, body.refresh_token);
    }
    body.scope = scopes.join(' ');
    body.token_type = 'Bearer';
    if (scopes.includes('openid')) body.id_token = minted.id_token;
    response.body = body;
  });

  service.on('beforeUserinfo', (response, req) => {
    const ctx = req.fakeGoogle;
    if (ctx?.kind !== 'userinfo') return;
    const rec = ctx.token ? state.lookupAccessToken(ctx.token) : null;
    if (!rec) {
      response.statusCode = 401;
      response.body = { ...INVALID_TOKEN };
      return;
    }
    response.body = { sub: rec.grant.sub, email: rec.grant.email, email_verified: rec.grant.emailVerified };
  });
}

// Google-shaped discovery document (the mock's advertises grant types and
// endpoints this server does not offer).
function discoveryDocument(base) {
  return {
    issuer: base,
    authorization_endpoint: base + PATHS.authorize,
    token_endpoint: base + PATHS.token,
    userinfo_endpoint: base + PATHS.userinfo,
    revocation_endpoint: base + PATHS.revoke,
    jwks_uri: base + PATHS.jwks,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'email', 'profile'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    claims_supported: ['aud', 'email', 'email_verified', 'exp', 'iat', 'iss', 'sub'],
    code_challenge_methods_supported: ['S256'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
  };
}

// ---- routing ----------------------------------------------------------------

const HANDLERS = {
  authorize: handleAuthorize,
  decision: handleDecision,
  token: handleToken,
  userinfo: handleUserinfo,
  revoke: handleRevoke,
  gmail: handleGmail,
};

function endpointOf(pathname) {
  if (pathname === PATHS.authorize) return 'authorize';
  if (pathname === PATHS.decision) return 'decision';
  if (pathname === PATHS.token) return 'token';
  if (pathname === PATHS.userinfo) return 'userinfo';
  if (pathname === PATHS.revoke) return 'revoke';
  if (pathname.startsWith(PATHS.gmail)) return 'gmail';
  return null;
}

function sendFault(res, endpoint, { status, body, reason, retryAfter, headers }) {
  const extra = {};
  if (retryAfter !== undefined) extra['retry-after'] = String(retryAfter);
  if (typeof body === 'string') {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra, ...headers });
    return res.end(body);
  }
  if (body !== undefined) return sendJson(res, status, body, { ...extra, ...headers });
  if (endpoint === 'gmail') {
    const fallback = gmailFaultResponse(status, reason, retryAfter);
    return sendJson(res, status, fallback.body, { ...fallback.headers, ...extra, ...headers });
  }
  const fallback = { error: status >= 500 ? 'server_error' : 'invalid_request', error_description: 'Injected fault' };
  sendJson(res, status, fallback, { ...extra, ...headers });
}

async function dispatch(ctx, req, res) {
  const url = new URL(req.url ?? '/', 'http://fake-google.invalid');
  const pathname = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  if (pathname.startsWith('/__admin/')) return handleAdmin(ctx, req, res, pathname, url);

  const endpoint = endpointOf(pathname);
  if (endpoint === null) {
    if (pathname === PATHS.discovery && req.method === 'GET') return sendJson(res, 200, discoveryDocument(ctx.baseUrl));
    if (pathname === PATHS.jwks && req.method === 'GET') return ctx.service.requestHandler(req, res);
    return sendJson(res, 404, { error: 'not_found', error_description: `No such endpoint: ${pathname}` });
  }

  const query = formToObject(url.searchParams);
  let body = Object.create(null);
  let bodyError = null;
  try {
    body = parseBody(req, await readBody(req));
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    bodyError = err;
  }
  const params = Object.assign(Object.create(null), query, body);
  const gmail = endpoint === 'gmail' ? gmailCallInfo(ctx, req, pathname, url, query) : undefined;
  const call = ctx.state.recordCall({
    endpoint,
    method: req.method,
    path: pathname,
    params,
    grantType: endpoint === 'token' && typeof params.grant_type === 'string' ? params.grant_type : undefined,
    bearer: bearerToken(req) ?? undefined,
    gmail,
  });
  res.on('finish', () => {
    call.status = res.statusCode;
  });

  const html = endpoint === 'authorize' || endpoint === 'decision';
  if (bodyError) {
    if (html) return sendHtml(res, bodyError.status, errorPage(bodyError.status, 'invalid_request', bodyError.message));
    return sendJson(res, bodyError.status, { error: 'invalid_request', error_description: bodyError.message });
  }
  const { delayMs, respond } = ctx.state.takeFaults(endpoint, gmail);
  if (delayMs > 0) await sleep(delayMs);
  if (respond) return sendFault(res, endpoint, respond);
  return HANDLERS[endpoint](ctx, req, res, { params, query, pathname });
}

function createRouter(ctx) {
  return (req, res) => {
    dispatch(ctx, req, res).catch((err) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) console.error('fake google: unexpected error:', err);
      if (res.headersSent) return res.end();
      sendJson(res, status, { error: status === 500 ? 'server_error' : 'invalid_request', error_description: err.message }, { connection: 'close' });
    });
  };
}

/**
 * Starts a fake Google on host:port (port 0 picks a free one). With
 * seedAlerts, every mailbox starts with the demo's alert mails.
 * Resolves to { url, port, state, close }.
 */
export async function startFakeGoogle({
  port = 4010,
  host = '127.0.0.1',
  clientId = 'fake-client-id',
  clientSecret = 'fake-client-secret',
  redirectUris = [],
  seedAlerts = false,
  push = {},
} = {}) {
  if (seedAlerts) seedAlertMessages(); // fails now, not at the first sign-in, if a fixture is missing
  const state = new FakeGoogleState({ seedAlerts });
  const issuer = new OAuth2Issuer();
  await issuer.keys.generate('RS256');
  const service = new OAuth2Service(issuer, {
    authorize: PATHS.authorize,
    token: PATHS.token,
    userinfo: PATHS.userinfo,
    revoke: PATHS.revoke,
    jwks: PATHS.jwks,
    wellKnownDocument: PATHS.discovery,
  });
  installHooks(service, state);

  const pubsub = new PubSub({ issuer, ...push });
  const ctx = { cfg: { clientId, clientSecret, redirectUris }, state, service, pubsub, baseUrl: '' };
  const server = http.createServer(createRouter(ctx));
  const { url, port: actualPort, close } = await listen(server, port, host);
  ctx.baseUrl = url;
  issuer.url = url; // `iss` of every token
  return { url, port: actualPort, state, close };
}

function envPort() {
  const raw = process.env.FAKE_GOOGLE_PORT ?? '4010';
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
    console.error(`fake google: FAKE_GOOGLE_PORT must be a port number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return Number(raw);
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  let fake;
  try {
    fake = await startFakeGoogle({
      port: envPort(),
      clientId: process.env.FAKE_GOOGLE_CLIENT_ID || 'fake-client-id',
      clientSecret: process.env.FAKE_GOOGLE_CLIENT_SECRET || 'fake-client-secret',
      redirectUris: (process.env.FAKE_GOOGLE_REDIRECT_URIS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      seedAlerts: ['1', 'true', 'yes'].includes((process.env.FAKE_GOOGLE_SEED_ALERTS ?? '').trim().toLowerCase()),
      push: {
        endpoint: process.env.FAKE_PUBSUB_PUSH_ENDPOINT,
        audience: process.env.FAKE_PUBSUB_AUDIENCE,
        serviceAccount: process.env.FAKE_PUBSUB_SERVICE_ACCOUNT,
      },
    });
  } catch (err) {
    console.error(`fake google: cannot start: ${err.message}`);
    process.exit(1);
  }
  console.log(`fake google listening on ${fake.url}`);
  if (fake.state.seedAlerts) console.log('fake google: new mailboxes get the demo alert mails');
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => fake.close().then(() => process.exit(0)));
  }
}
