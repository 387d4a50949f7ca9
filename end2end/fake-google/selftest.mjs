// Self-test of the fake Google: starts server.mjs as a child process on a free
// port and drives it with plain fetch, as the browser and mailconnect would.
// Run: node end2end/fake-google/selftest.mjs   (exits non-zero on failure)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';
import { addressedTo } from './gmail.mjs';
import { entityText, htmlToText, parseEntity } from './mime.mjs';
import { datesIn, redateText } from './redate.mjs';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const CLIENT_ID = 'selftest-client';
const CLIENT_SECRET = 'selftest-secret';
const REDIRECT_URI = 'http://127.0.0.1:3000/oauth/google/callback';
const GMAIL = 'https://www.googleapis.com/auth/gmail.readonly';
const SCOPES = ['openid', 'email', GMAIL];
const FIXTURES = new URL('../../server/src/alerts/fixtures/', import.meta.url);

let child;
let base;

// Starts server.mjs on a free port; resolves to { child, url }.
async function startServer(env = {}) {
  const proc = spawn(process.execPath, [SERVER], {
    env: { ...process.env, FAKE_GOOGLE_PORT: '0', FAKE_GOOGLE_CLIENT_ID: CLIENT_ID, FAKE_GOOGLE_CLIENT_SECRET: CLIENT_SECRET, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.setEncoding('utf8');
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fake google did not start; output: ${out}`)), 10_000);
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /^fake google listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    proc.once('exit', (code) => reject(new Error(`fake google exited with ${code}; output: ${out}`)));
  });
  return { child: proc, url };
}

async function stopServer(proc) {
  if (proc && proc.exitCode === null) {
    proc.kill('SIGTERM');
    await once(proc, 'exit');
  }
}

before(async () => {
  ({ child, url: base } = await startServer());
});

after(async () => {
  await stopServer(child);
});

beforeEach(async () => {
  await admin('POST', '/reset');
});

// ---- helpers ----------------------------------------------------------------

async function admin(method, path, body) {
  const res = await fetch(`${base}/__admin${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.ok, `admin ${method} ${path} failed: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(params) {
  const url = new URL('/o/oauth2/v2/auth', base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

function authorizeParams(challenge, overrides = {}) {
  return {
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: SCOPES.join(' '),
    state: 'st-123',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    access_type: 'offline',
    prompt: 'consent',
    include_granted_scopes: 'true',
    ...overrides,
  };
}

const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescapeHtml = (s) => s.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]);

// The form of the consent page: action, inputs (with their labels) and buttons.
function parseConsent(html) {
  const action = unescapeHtml(/<form method="post" action="([^"]*)"/.exec(html)[1]);
  const labels = new Map([...html.matchAll(/<label for="([^"]+)">([^<]*)<\/label>/g)].map((m) => [m[1], unescapeHtml(m[2])]));
  const inputs = [...html.matchAll(/<input ([^>]*)>/g)].map((m) => {
    const attrs = Object.fromEntries([...m[1].matchAll(/([a-z_-]+)(?:="([^"]*)")?/g)].map((a) => [a[1], a[2] === undefined ? true : unescapeHtml(a[2])]));
    return { ...attrs, label: labels.get(attrs.id) };
  });
  const buttons = [...html.matchAll(/<button type="submit" name="([^"]+)" value="([^"]+)">([^<]*)<\/button>/g)].map((m) => ({ name: m[1], value: m[2], text: m[3] }));
  return { action, inputs, buttons };
}

// Submits the consent form as a browser would: hidden and text fields, ticked
// checkboxes (minus the ones unticked), and the clicked button.
async function submitConsent(html, { button = 'Allow', email, untick = [] } = {}) {
  const form = parseConsent(html);
  const body = new URLSearchParams();
  for (const input of form.inputs) {
    if (input.type === 'checkbox') {
      if (input.checked && !untick.includes(input.label)) body.append(input.name, input.value);
    } else if (input.name === 'email' && email !== undefined) {
      body.append('email', email);
    } else {
      body.append(input.name, input.value);
    }
  }
  const clicked = form.buttons.find((b) => b.text === button);
  body.append(clicked.name, clicked.value);
  return fetch(new URL(form.action, base), { method: 'POST', body, redirect: 'manual' });
}

// Consent page -> decision; returns the redirect back to the app.
async function consent({ challenge, params = {}, ...choices }) {
  const page = await fetch(authorizeUrl(authorizeParams(challenge, params)));
  assert.equal(page.status, 200);
  const res = await submitConsent(await page.text(), choices);
  assert.equal(res.status, 302);
  return new URL(res.headers.get('location'));
}

async function token(form, { basic = false, clientId = CLIENT_ID, clientSecret = CLIENT_SECRET } = {}) {
  const body = new URLSearchParams(form);
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
  } else {
    body.set('client_id', clientId);
    body.set('client_secret', clientSecret);
  }
  const res = await fetch(`${base}/token`, { method: 'POST', headers, body });
  return { status: res.status, body: await res.json() };
}

// A full connect: consent, then code exchange. Returns the token response.
async function connect(options = {}) {
  const { verifier, challenge } = pkce();
  const redirect = await consent({ challenge, ...options });
  const code = redirect.searchParams.get('code');
  assert.ok(code, `no code in ${redirect}`);
  const res = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { redirect, tokens: res.body };
}

async function userinfo(accessToken) {
  const res = await fetch(`${base}/v1/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: res.status, body: await res.json() };
}

async function revoke(tokenValue) {
  const res = await fetch(`${base}/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: tokenValue }),
  });
  return { status: res.status, body: await res.json() };
}

async function gmail(path, accessToken) {
  const res = await fetch(`${base}/gmail/v1/users/me${path}`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: res.status, body: await res.json() };
}

// Like gmail(), with the response headers.
async function gmailWithHeaders(path, accessToken) {
  const res = await fetch(`${base}/gmail/v1/users/me${path}`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

// Every message id of a listing, following nextPageToken; also returns the pages.
async function listAll(accessToken, params = {}) {
  const pages = [];
  let pageToken;
  do {
    const query = new URLSearchParams(params);
    if (pageToken) query.set('pageToken', pageToken);
    const res = await gmail(`/messages?${query}`, accessToken);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    pages.push(res.body);
    pageToken = res.body.nextPageToken;
  } while (pageToken);
  return { ids: pages.flatMap((p) => (p.messages ?? []).map((m) => m.id)), pages };
}

function fixtureBytes(name) {
  return readFileSync(new URL(name, FIXTURES));
}

/** A message's header block, as text. */
function headerBlock(raw) {
  const text = raw.toString('latin1');
  return text.slice(0, /\r?\n\r?\n/.exec(text)?.index ?? text.length);
}

/** The text of every text part of a message, markup removed. */
function textParts(raw) {
  const walk = (entity) =>
    entity.parts ? entity.parts.flatMap(walk) : entity.contentType.type.startsWith('text/') ? [htmlToText(entityText(entity))] : [];
  return walk(parseEntity(raw));
}

async function addMail(email, messages) {
  return admin('POST', '/gmail/messages', { email, messages });
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOT_FOUND = {
  error: {
    code: 404,
    message: 'Requested entity was not found.',
    errors: [{ message: 'Requested entity was not found.', domain: 'global', reason: 'notFound' }],
    status: 'NOT_FOUND',
  },
};

function decodeJwt(jwt) {
  const [header, payload] = jwt.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url')));
  return { header, payload };
}

// ---- tests ------------------------------------------------------------------

describe('consent page', () => {
  test('shows email, one ticked checkbox per scope, email verified, Allow and Deny', async () => {
    const { challenge } = pkce();
    const res = await fetch(authorizeUrl(authorizeParams(challenge)));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/html/);
    const html = await res.text();
    assert.match(html, /<title>Sign in - Google Accounts \(fake\)<\/title>/);
    const form = parseConsent(html);
    const email = form.inputs.find((i) => i.label === 'Email');
    assert.equal(email.type, 'email');
    assert.equal(email.value, 'tester@gmail.com');
    const boxes = form.inputs.filter((i) => i.type === 'checkbox');
    assert.deepEqual(boxes.map((b) => b.label), ['openid', 'email', 'Gmail (read-only)', 'Email verified']);
    assert.ok(boxes.every((b) => b.checked === true));
    assert.equal(boxes[2].value, GMAIL);
    assert.deepEqual(form.buttons.map((b) => b.text).sort(), ['Allow', 'Deny']);
    assert.equal(form.action, '/o/oauth2/v2/auth/decision');
    const hidden = Object.fromEntries(form.inputs.filter((i) => i.type === 'hidden').map((i) => [i.name, i.value]));
    assert.equal(hidden.code_challenge, challenge);
    assert.equal(hidden.redirect_uri, REDIRECT_URI);
  });

  test('escapes echoed values', async () => {
    const { challenge } = pkce();
    const state = `"><script>alert('x')</script>&`;
    const html = await (await fetch(authorizeUrl(authorizeParams(challenge, { state, scope: 'openid <b>bold</b>' })))).text();
    assert.ok(!html.includes('<script>'));
    assert.ok(!html.includes('<b>'));
    assert.ok(html.includes('&lt;b&gt;bold&lt;/b&gt;'));
    const hidden = parseConsent(html).inputs.find((i) => i.name === 'state');
    assert.equal(hidden.value, state);
  });

  test('login_hint fills the email field', async () => {
    const { challenge } = pkce();
    const html = await (await fetch(authorizeUrl(authorizeParams(challenge, { login_hint: 'hint@example.com' })))).text();
    assert.equal(parseConsent(html).inputs.find((i) => i.name === 'email').value, 'hint@example.com');
  });

  test('bad requests get an escaped 400 page saying what is wrong', async () => {
    const { challenge } = pkce();
    const cases = [
      [{ client_id: undefined }, 'Missing required parameter: client_id'],
      [{ client_id: 'someone-else' }, 'invalid_client'],
      [{ redirect_uri: 'javascript:alert(1)' }, 'Invalid parameter value for redirect_uri'],
      [{ redirect_uri: 'not a url <i>' }, 'not a url &lt;i&gt;'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ scope: undefined }, 'Missing required parameter: scope'],
      [{ code_challenge: undefined }, 'Missing required parameter: code_challenge'],
      [{ code_challenge_method: 'plain' }, 'Invalid code_challenge_method: plain'],
      [{ access_type: 'forever' }, 'Invalid access_type: forever'],
    ];
    for (const [overrides, expected] of cases) {
      const res = await fetch(authorizeUrl(authorizeParams(challenge, overrides)));
      const html = await res.text();
      assert.equal(res.status, 400, JSON.stringify(overrides));
      assert.match(res.headers.get('content-type'), /text\/html/);
      assert.ok(html.includes(expected), `${JSON.stringify(overrides)}: expected ${expected} in ${html}`);
      assert.ok(!html.includes('<i>'));
    }
    const dup = await fetch(`${authorizeUrl(authorizeParams(challenge))}&state=again`);
    assert.equal(dup.status, 400);
  });
});

describe('authorization code flow', () => {
  test('full round trip: code, PKCE, userinfo, refresh, revoke', async () => {
    const { verifier, challenge } = pkce();
    const redirect = await consent({ challenge, email: 'Alice@Gmail.com' });
    assert.equal(redirect.origin + redirect.pathname, REDIRECT_URI);
    assert.equal(redirect.searchParams.get('state'), 'st-123');
    assert.equal(redirect.searchParams.get('scope'), SCOPES.join(' '));
    const code = redirect.searchParams.get('code');
    const exchange = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI };

    // A wrong verifier, a missing one, another redirect URI or client: invalid_grant.
    const wrong = await token({ ...exchange, code_verifier: pkce().verifier });
    assert.deepEqual(wrong, { status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } });
    assert.equal((await token(exchange)).body.error, 'invalid_grant');
    assert.equal((await token({ ...exchange, redirect_uri: 'http://127.0.0.1:3000/other', code_verifier: verifier })).body.error, 'invalid_grant');

    const ok = await token({ ...exchange, code_verifier: verifier });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const t = ok.body;
    assert.deepEqual(Object.keys(t), ['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type', 'id_token']);
    assert.equal(t.expires_in, 3599);
    assert.equal(t.token_type, 'Bearer');
    assert.equal(t.scope, SCOPES.join(' '));
    assert.match(t.refresh_token, /^1\/\//);

    // The id_token is signed by a key published at the JWKS URI.
    const discovery = await (await fetch(`${base}/.well-known/openid-configuration`)).json();
    assert.equal(discovery.token_endpoint, `${base}/token`);
    const { keys } = await (await fetch(discovery.jwks_uri)).json();
    const { header, payload } = decodeJwt(t.id_token);
    const jwk = keys.find((k) => k.kid === header.kid);
    const [h, p, sig] = t.id_token.split('.');
    assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(sig, 'base64url')));
    assert.equal(payload.iss, base);
    assert.equal(payload.aud, CLIENT_ID);
    assert.equal(payload.email, 'alice@gmail.com');
    assert.equal(payload.email_verified, true);

    // The code is single-use.
    assert.deepEqual(await token({ ...exchange, code_verifier: verifier }), wrong);

    const me = await userinfo(t.access_token);
    assert.equal(me.status, 200);
    assert.match(me.body.sub, /^\d{20}$/);
    assert.equal(payload.sub, me.body.sub);
    assert.deepEqual(me.body, { sub: me.body.sub, email: 'alice@gmail.com', email_verified: true });

    // Refresh: a new access token, no new refresh token.
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token }, { basic: true });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(refreshed.body.refresh_token, undefined);
    assert.equal(refreshed.body.expires_in, 3599);
    assert.equal(refreshed.body.scope, SCOPES.join(' '));
    assert.notEqual(refreshed.body.access_token, t.access_token);
    assert.equal((await userinfo(refreshed.body.access_token)).body.sub, me.body.sub);

    // Revoking the refresh token revokes the whole grant.
    assert.deepEqual(await revoke(t.refresh_token), { status: 200, body: {} });
    assert.deepEqual(await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token }), {
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
    });
    assert.deepEqual(await userinfo(refreshed.body.access_token), { status: 401, body: { error: 'invalid_token' } });
    assert.deepEqual(await revoke(t.refresh_token), {
      status: 400,
      body: { error: 'invalid_token', error_description: 'Token expired or revoked' },
    });
  });

  test('revoking an access token (as a query parameter) revokes its refresh token', async () => {
    const { tokens } = await connect();
    const res = await fetch(`${base}/revoke?token=${encodeURIComponent(tokens.access_token)}`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.equal((await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).body.error, 'invalid_grant');
  });

  test('Deny redirects with error=access_denied', async () => {
    const { challenge } = pkce();
    const redirect = await consent({ challenge, button: 'Deny' });
    assert.equal(redirect.searchParams.get('error'), 'access_denied');
    assert.equal(redirect.searchParams.get('state'), 'st-123');
    assert.equal(redirect.searchParams.get('code'), null);
  });

  test('unticking Gmail and Email verified narrows what is granted', async () => {
    const { redirect, tokens } = await connect({ untick: ['Gmail (read-only)', 'Email verified'], params: { include_granted_scopes: undefined } });
    assert.equal(redirect.searchParams.get('scope'), 'openid email');
    assert.equal(tokens.scope, 'openid email');
    assert.equal((await userinfo(tokens.access_token)).body.email_verified, false);
    assert.equal((await gmail('/messages', tokens.access_token)).status, 403);
  });

  test('include_granted_scopes keeps scopes granted earlier', async () => {
    await connect();
    const { tokens } = await connect({ untick: ['Gmail (read-only)'] });
    assert.equal(tokens.scope, SCOPES.join(' '));
  });

  test('refresh tokens need access_type=offline, and prompt=consent once already granted', async () => {
    assert.equal((await connect({ params: { access_type: undefined } })).tokens.refresh_token, undefined);
    assert.ok((await connect({ params: { prompt: undefined } })).tokens.refresh_token);
    assert.equal((await connect({ params: { prompt: undefined } })).tokens.refresh_token, undefined);
    assert.ok((await connect({ params: { prompt: 'consent' } })).tokens.refresh_token);
  });

  test('prompt=none cannot succeed without a remembered sign-in', async () => {
    const { challenge } = pkce();
    const res = await fetch(authorizeUrl(authorizeParams(challenge, { prompt: 'none' })), { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(new URL(res.headers.get('location')).searchParams.get('error'), 'interaction_required');
  });
});

describe('token endpoint errors', () => {
  test('client authentication', async () => {
    const { tokens } = await connect();
    const refresh = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token };
    const notFound = { status: 401, body: { error: 'invalid_client', error_description: 'The OAuth client was not found.' } };
    assert.deepEqual(await token(refresh, { clientSecret: 'wrong' }), notFound);
    assert.deepEqual(await token(refresh, { basic: true, clientSecret: 'wrong' }), notFound);
    assert.deepEqual(await token(refresh, { clientId: 'unknown' }), notFound);
    assert.equal((await token(refresh, { basic: true })).status, 200);
    const anonymous = await fetch(`${base}/token`, { method: 'POST', body: new URLSearchParams(refresh) });
    assert.equal(anonymous.status, 400);
    assert.equal((await anonymous.json()).error, 'invalid_request');
  });

  test('grant types and malformed requests', async () => {
    assert.deepEqual(await token({ grant_type: 'password' }), { status: 400, body: { error: 'unsupported_grant_type' } });
    assert.deepEqual(await token({}), { status: 400, body: { error: 'unsupported_grant_type' } });
    assert.equal((await token({ grant_type: 'refresh_token', refresh_token: 'made-up' })).body.error, 'invalid_grant');
    assert.equal((await token({ grant_type: 'authorization_code', code: 'made-up', redirect_uri: REDIRECT_URI, code_verifier: pkce().verifier })).body.error, 'invalid_grant');
    assert.equal((await token({ grant_type: 'authorization_code', redirect_uri: REDIRECT_URI })).body.error, 'invalid_request');
    const json = await fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    assert.equal(json.status, 400);
    const dup = await fetch(`${base}/token`, { method: 'POST', body: 'grant_type=refresh_token&grant_type=x' });
    assert.equal(dup.status, 400);
    assert.equal((await fetch(`${base}/token`)).status, 400);
    assert.equal((await fetch(`${base}/nowhere`)).status, 404);
  });
});

describe('admin', () => {
  test('calls are recorded in order with their parameters and status', async () => {
    const { verifier } = pkce();
    const { tokens } = await connect();
    await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    await token({ grant_type: 'authorization_code', code: 'nope', redirect_uri: REDIRECT_URI, code_verifier: verifier });
    const calls = await admin('GET', '/calls');
    assert.deepEqual(calls.map((c) => c.endpoint), ['authorize', 'decision', 'token', 'token', 'token']);
    assert.equal(calls[1].method, 'POST');
    assert.equal(calls[1].params.email, 'tester@gmail.com');
    const tokenCalls = await admin('GET', '/calls?endpoint=token');
    assert.deepEqual(tokenCalls.map((c) => [c.grant_type, c.status]), [['authorization_code', 200], ['refresh_token', 200], ['authorization_code', 400]]);
    assert.match(tokenCalls[0].params.code_verifier, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(tokenCalls[1].params.refresh_token, tokens.refresh_token);
    assert.ok(!Number.isNaN(Date.parse(tokenCalls[0].at)));
    assert.deepEqual(await admin('GET', '/calls?endpoint=token&grant_type=refresh_token'), [tokenCalls[1]]);
  });

  test('faults: status for the next N calls, then normal again', async () => {
    const { tokens } = await connect();
    const refresh = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token };
    await admin('POST', '/faults', { endpoint: 'token', status: 503, body: { error: 'backend_error' }, times: 2 });
    assert.deepEqual(await token(refresh), { status: 503, body: { error: 'backend_error' } });
    assert.equal((await token(refresh)).status, 503);
    assert.equal((await token(refresh)).status, 200);
    const statuses = (await admin('GET', '/calls?endpoint=token')).map((c) => c.status);
    assert.deepEqual(statuses, [200, 503, 503, 200]);

    await admin('POST', '/faults', { endpoint: 'userinfo', status: 500 });
    assert.equal((await userinfo(tokens.access_token)).status, 500);
    assert.equal((await userinfo(tokens.access_token)).status, 500);
  });

  test('faults: delays, once or until reset', async () => {
    const { tokens } = await connect();
    const refresh = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token };
    const timed = async () => {
      const start = performance.now();
      const res = await token(refresh);
      assert.equal(res.status, 200);
      return performance.now() - start;
    };
    await admin('POST', '/faults', { endpoint: 'token', delayMs: 300, times: 1 });
    assert.ok((await timed()) >= 290);
    assert.ok((await timed()) < 290);
    await admin('POST', '/faults', { endpoint: 'token', delayMs: 150, times: null });
    await admin('POST', '/faults', { endpoint: 'token', status: 503, times: 1 });
    assert.equal((await token(refresh)).status, 503);
    assert.ok((await timed()) >= 140);
    assert.ok((await timed()) >= 140);
    await admin('POST', '/reset');
    assert.deepEqual(await admin('GET', '/faults'), []);
  });

  test('bad admin input is refused with 400', async () => {
    for (const [path, body] of [
      ['/faults', { endpoint: 'nowhere', status: 500 }],
      ['/faults', { endpoint: 'token' }],
      ['/faults', { endpoint: 'token', status: 'x' }],
      ['/config', { accessTokenTtl: -1 }],
      ['/config', { surprise: true }],
      ['/config', { accessTokenTtl: 60, email: 'not an address' }],
      ['/revoke-all', {}],
      ['/gmail/messages', { email: 'a@b.c', messages: [{ date: 'not a date' }] }],
      ['/gmail/messages', { email: 'a@b.c', messages: [{ fixture: 'no_such_fixture.eml' }] }],
      ['/gmail/messages', { email: 'a@b.c', messages: [{ fixture: '../Cargo.toml' }] }],
      ['/gmail/messages', { email: 'a@b.c', messages: [{ fixture: 'bac_otp.eml', raw: 'From: a@b.c\r\n\r\nx' }] }],
      ['/gmail/messages', { email: 'a@b.c', messages: [{ raw: 'From: a@b.c\r\n\r\nx', subject: 'both' }] }],
      ['/gmail/messages', { email: 'a@b.c', messages: [{ rawBase64: 'not base64!' }] }],
      ['/gmail/messages', { email: 'a@b.c', messages: [{ fixture: 'bac_otp.eml', internalDate: -1 }] }],
      ['/gmail/history-floor', { email: 'a@b.c' }],
      ['/gmail/history-floor', { email: 'a@b.c', floor: 99_999_999 }],
      ['/gmail/history-floor', { email: 'a@b.c', floor: 1, floorToCurrent: true }],
      ['/faults', { endpoint: 'token', status: 429, reason: 'rateLimitExceeded' }],
      ['/faults', { endpoint: 'gmail', status: 403, reason: 'tooBusy' }],
      ['/faults', { endpoint: 'gmail', status: 500, operation: 'send' }],
      ['/faults', { endpoint: 'gmail', status: 500, email: 'nobody' }],
      ['/faults', { endpoint: 'gmail', status: 429, retryAfter: -5 }],
      ['/faults', { endpoint: 'gmail', retryAfter: 5 }],
      ['/faults', { endpoint: 'gmail', status: 500, count: 2 }],
    ]) {
      const res = await fetch(`${base}/__admin${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
    }
    const broken = await fetch(`${base}/__admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    assert.equal(broken.status, 400);
    assert.deepEqual(await admin('GET', '/health'), { ok: true });
  });

  test('rotateRefreshTokens hands out a new refresh token and kills the old one', async () => {
    await admin('POST', '/config', { rotateRefreshTokens: true });
    const { tokens } = await connect();
    const first = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    assert.equal(first.status, 200);
    assert.match(first.body.refresh_token, /^1\/\//);
    assert.notEqual(first.body.refresh_token, tokens.refresh_token);
    assert.equal((await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).body.error, 'invalid_grant');
    assert.equal((await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token })).status, 200);
  });

  test('accessTokenTtl sets expires_in; expired tokens are refused', async () => {
    await admin('POST', '/config', { accessTokenTtl: 0 });
    const { tokens } = await connect();
    assert.equal(tokens.expires_in, 0);
    assert.equal((await userinfo(tokens.access_token)).status, 401);
    assert.equal((await admin('GET', '/config')).accessTokenTtl, 0);
    await admin('POST', '/reset');
    assert.equal((await admin('GET', '/config')).accessTokenTtl, 3599);
  });

  test('settings given with an email are that account’s only', async () => {
    await admin('POST', '/config', { accessTokenTtl: 60, rotateRefreshTokens: true, email: 'Dora@gmail.com' });
    assert.equal((await admin('GET', '/config?email=dora@gmail.com')).accessTokenTtl, 60);
    assert.equal((await admin('GET', '/config')).accessTokenTtl, 3599);
    const dora = await connect({ email: 'dora@gmail.com' });
    const erin = await connect({ email: 'erin@gmail.com' });
    assert.equal(dora.tokens.expires_in, 60);
    assert.equal(erin.tokens.expires_in, 3599);
    const rotated = await token({ grant_type: 'refresh_token', refresh_token: dora.tokens.refresh_token });
    assert.match(rotated.body.refresh_token, /^1\/\//);
    const kept = await token({ grant_type: 'refresh_token', refresh_token: erin.tokens.refresh_token });
    assert.equal(kept.body.refresh_token, undefined);
  });

  test('revoke-all revokes every grant of a user', async () => {
    const { tokens } = await connect({ email: 'bob@gmail.com' });
    const other = await connect({ email: 'carol@gmail.com' });
    assert.deepEqual(await admin('POST', '/revoke-all', { email: 'bob@gmail.com' }), { revoked: 1 });
    assert.equal((await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).body.error, 'invalid_grant');
    assert.equal((await token({ grant_type: 'refresh_token', refresh_token: other.tokens.refresh_token })).status, 200);
    const grants = await admin('GET', '/grants?email=bob@gmail.com');
    assert.equal(grants.length, 1);
    assert.equal(grants[0].revoked, true);
  });
});

describe('gmail', () => {
  test('list, search and get seeded messages', async () => {
    await admin('POST', '/gmail/messages', {
      email: 'tester@gmail.com',
      messages: [
        { id: 'm1', from: 'Ann <ann@example.com>', subject: 'Invoice 42', date: 'Mon, 03 Nov 2025 09:00:00 +0000', body: 'Please pay — merci.' },
        { id: 'm2', from: 'bob@example.com', subject: 'Lunch?', date: 'Tue, 04 Nov 2025 12:00:00 +0000', body: 'Noon?' },
      ],
    });
    const { tokens } = await connect();
    const all = await gmail('/messages', tokens.access_token);
    assert.deepEqual(all, { status: 200, body: { messages: [{ id: 'm2', threadId: 'm2' }, { id: 'm1', threadId: 'm1' }], resultSizeEstimate: 2 } });
    const invoices = await gmail(`/messages?q=${encodeURIComponent('subject:invoice from:ann')}`, tokens.access_token);
    assert.deepEqual(invoices.body.messages, [{ id: 'm1', threadId: 'm1' }]);
    const none = await gmail('/messages?q=nothing-matches', tokens.access_token);
    assert.deepEqual(none.body, { resultSizeEstimate: 0 });
    const paged = await gmail('/messages?maxResults=1', tokens.access_token);
    assert.equal(paged.body.messages.length, 1);
    const next = await gmail(`/messages?maxResults=1&pageToken=${paged.body.nextPageToken}`, tokens.access_token);
    assert.deepEqual(next.body.messages, [{ id: 'm1', threadId: 'm1' }]);

    const meta = await gmail('/messages/m1?format=metadata', tokens.access_token);
    assert.equal(meta.status, 200);
    const headers = Object.fromEntries(meta.body.payload.headers.map((h) => [h.name, h.value]));
    assert.equal(headers.From, 'Ann <ann@example.com>');
    assert.equal(headers.Subject, 'Invoice 42');
    assert.equal(headers.Date, 'Mon, 03 Nov 2025 09:00:00 +0000');
    assert.equal(meta.body.internalDate, String(Date.parse('2025-11-03T09:00:00Z')));
    // Only the formats mailconnect asks for.
    for (const format of ['full', 'minimal']) {
      assert.equal((await gmail(`/messages/m1?format=${format}`, tokens.access_token)).status, 400, format);
    }

    assert.equal((await gmail('/messages/zzz', tokens.access_token)).status, 404);
    assert.equal((await gmail('/messages/m1?format=weird', tokens.access_token)).status, 400);
    assert.equal((await gmail('/messages', 'not-a-token')).status, 401);
    const calls = await admin('GET', '/calls?endpoint=gmail');
    assert.equal(calls[0].bearer, tokens.access_token);
  });
});

describe('gmail sync API', () => {
  test('profile: address, totals and a historyId that grows with every added message', async () => {
    const { tokens } = await connect();
    const empty = await gmail('/profile', tokens.access_token);
    assert.equal(empty.status, 200);
    assert.deepEqual(Object.keys(empty.body), ['emailAddress', 'messagesTotal', 'threadsTotal', 'historyId']);
    assert.equal(empty.body.emailAddress, 'tester@gmail.com');
    assert.equal(empty.body.messagesTotal, 0);
    assert.equal(empty.body.threadsTotal, 0);
    assert.match(empty.body.historyId, /^\d+$/);

    const added = await addMail('tester@gmail.com', [
      { id: 'p1', threadId: 't1', from: 'a@example.com', subject: 'one' },
      { id: 'p2', threadId: 't1', from: 'a@example.com', subject: 'two' },
      { id: 'p3', from: 'b@example.com', subject: 'three' },
    ]);
    assert.deepEqual(added.ids, ['p1', 'p2', 'p3']);
    assert.equal(added.count, 3);
    assert.ok(BigInt(added.historyId) > BigInt(empty.body.historyId));
    const full = (await gmail('/profile', tokens.access_token)).body;
    assert.deepEqual(full, { emailAddress: 'tester@gmail.com', messagesTotal: 3, threadsTotal: 2, historyId: added.historyId });
    // Each message carries the history id it was added at, the last one the mailbox's.
    assert.equal((await gmail('/messages/p3?format=metadata', tokens.access_token)).body.historyId, added.historyId);
    assert.ok(BigInt((await gmail('/messages/p1?format=metadata', tokens.access_token)).body.historyId) < BigInt(added.historyId));
    // The userId may also be the account's own address.
    const byAddress = await fetch(`${base}/gmail/v1/users/tester%40gmail.com/profile`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(byAddress.status, 200);
  });

  test('mail added before the account ever signed in is there after it does', async () => {
    const added = await addMail('Early@Gmail.com', [{ fixture: 'bac_otp.eml' }, { raw: 'From: x@example.com\r\nSubject: hi\r\n\r\nhello\r\n' }]);
    assert.equal(added.email, 'early@gmail.com');
    assert.equal(added.ids.length, 2);
    assert.ok(added.ids.every((id) => /^[0-9a-f]{16}$/.test(id)));
    const box = await admin('GET', '/gmail/mailbox?email=early@gmail.com');
    assert.equal(box.messagesTotal, 2);
    const { tokens } = await connect({ email: 'early@gmail.com' });
    assert.deepEqual(new Set((await listAll(tokens.access_token)).ids), new Set(added.ids));
    assert.equal((await gmail('/profile', tokens.access_token)).body.historyId, added.historyId);
  });

  test('q: from: addresses, domains, subdomains and (a OR b) groups; after: epoch seconds and dates', async () => {
    const now = Date.now();
    const at = (ago) => now - ago;
    const added = await addMail('tester@gmail.com', [
      { fixture: 'bac_purchase_crc.eml', internalDate: at(5 * DAY) },
      { fixture: 'bcr_card_three_rows.eml', internalDate: at(3 * DAY) },
      { fixture: 'bcr_sinpe_in.eml', internalDate: at(2 * DAY) },
      { fixture: 'davibank_purchase_html_only.eml', internalDate: at(1 * DAY) },
      { fixture: 'spoof_bac_display_name.eml', internalDate: at(10 * HOUR) },
      { fixture: 'personal_not_bank.eml', internalDate: at(5 * HOUR) },
      { raw: 'From: "Alertas" <avisos@alertas.BancoBCR.com>\r\nSubject: sub\r\n\r\nx\r\n', internalDate: at(4 * HOUR) },
      { raw: 'From: avisos@notbancobcr.com\r\nSubject: look-alike\r\n\r\nx\r\n', internalDate: at(3 * HOUR) },
      { raw: 'From: avisos@bancobcr.com.evil.io\r\nSubject: longer\r\n\r\nx\r\n', internalDate: at(2 * HOUR) },
    ]);
    const [crc, bcrCard, sinpe, davi, spoof, personal, subdomain] = added.ids;
    const { tokens } = await connect();
    const search = async (q) => (await listAll(tokens.access_token, { q })).ids;

    // Newest first; the spoof's display name holds a bank address but its address is not one.
    const banks = 'from:(notificacion@notificacionesbaccr.com OR alerta@baccredomatic.com OR bancobcr.com OR davibank.cr)';
    assert.deepEqual(await search(banks), [subdomain, davi, sinpe, bcrCard, crc]);
    assert.deepEqual(await search('from:notificacion@notificacionesbaccr.com'), [crc]);
    assert.deepEqual(await search('from:NOTIFICACION@NotificacionesBACcr.com'), [crc]);
    assert.deepEqual(await search('from:mensajero@bancobcr.com'), [sinpe]);
    assert.deepEqual(await search('from:@bancobcr.com'), [subdomain, sinpe, bcrCard]);
    assert.deepEqual(await search('from:bac-notificaciones.example'), [spoof]);
    assert.deepEqual(await search('from:juan.demo.cr@gmail.com'), [personal]);
    assert.deepEqual(await search('from:{davibank.cr gmail.com}'), [personal, davi]);
    // A word (not an address or domain) matches anywhere in the From header.
    assert.deepEqual(await search('from:davibank'), [davi]);

    // after: takes epoch seconds, compared with internalDate; combines with from:.
    const cut = Math.floor(at(2.5 * DAY) / 1000);
    assert.deepEqual(await search(`${banks} after:${cut}`), [subdomain, davi, sinpe]);
    assert.deepEqual(await search(`after:${cut} ${banks}`), [subdomain, davi, sinpe]);
    assert.deepEqual(await search(`${banks} before:${cut}`), [bcrCard, crc]);
    assert.deepEqual(await search(`${banks} -from:bancobcr.com`), [davi, crc]);
    const day = new Date(at(4 * DAY));
    const ymd = `${day.getUTCFullYear()}/${day.getUTCMonth() + 1}/${day.getUTCDate()}`;
    assert.deepEqual(await search(`${banks} after:${ymd}`), [subdomain, davi, sinpe, bcrCard]);
    assert.deepEqual((await gmail(`/messages?q=${encodeURIComponent(`from:nobody.example after:${cut}`)}`, tokens.access_token)).body, { resultSizeEstimate: 0 });
  });

  test('paging: maxResults, three pages, stable when mail arrives between pages, default 100, at most 500', async () => {
    const now = Date.now();
    const { ids } = await addMail(
      'tester@gmail.com',
      Array.from({ length: 5 }, (_, i) => ({ from: 'bulk@example.com', subject: `n${i}`, internalDate: now - (10 - i) * 60_000 })),
    );
    const newestFirst = [...ids].reverse();
    const { tokens } = await connect();
    const first = await gmail('/messages?maxResults=2', tokens.access_token);
    assert.deepEqual(first.body.messages.map((m) => m.id), newestFirst.slice(0, 2));
    assert.equal(first.body.resultSizeEstimate, 5);
    assert.ok(first.body.nextPageToken);
    // A newer message arriving now does not shift the following pages.
    await addMail('tester@gmail.com', [{ from: 'bulk@example.com', subject: 'late', internalDate: now }]);
    const second = await gmail(`/messages?maxResults=2&pageToken=${first.body.nextPageToken}`, tokens.access_token);
    assert.deepEqual(second.body.messages.map((m) => m.id), newestFirst.slice(2, 4));
    const third = await gmail(`/messages?maxResults=2&pageToken=${second.body.nextPageToken}`, tokens.access_token);
    assert.deepEqual(third.body.messages.map((m) => m.id), newestFirst.slice(4));
    assert.equal(third.body.nextPageToken, undefined);

    const paged = await listAll(tokens.access_token, { maxResults: '2', q: 'from:bulk@example.com' });
    assert.equal(paged.pages.length, 3);
    assert.equal(paged.ids.length, 6);
    assert.equal(new Set(paged.ids).size, 6);

    await addMail('tester@gmail.com', Array.from({ length: 520 }, (_, i) => ({ from: 'many@example.com', subject: `m${i}`, internalDate: now - DAY - i })));
    const byDefault = await gmail('/messages?q=from:many@example.com', tokens.access_token);
    assert.equal(byDefault.body.messages.length, 100);
    const capped = await gmail('/messages?q=from:many@example.com&maxResults=1000', tokens.access_token);
    assert.equal(capped.body.messages.length, 500);
    const rest = await gmail(`/messages?q=from:many@example.com&maxResults=1000&pageToken=${capped.body.nextPageToken}`, tokens.access_token);
    assert.equal(rest.body.messages.length, 20);
    assert.equal((await gmail('/messages?pageToken=garbage', tokens.access_token)).status, 400);
    assert.equal((await gmail('/messages?maxResults=0', tokens.access_token)).status, 400);
  });

  test('SPAM and TRASH are left out of a listing', async () => {
    await addMail('tester@gmail.com', [
      { id: 'inbox1', from: 'a@example.com' },
      { id: 'spam1', from: 'a@example.com', labelIds: ['SPAM'] },
    ]);
    const { tokens } = await connect();
    assert.deepEqual((await listAll(tokens.access_token)).ids, ['inbox1']);
  });

  test('format=raw: padded base64url of the exact bytes; 404 for an unknown id', async () => {
    const internalDate = Date.UTC(2025, 11, 1, 15, 0, 0);
    // A fixture is the mailbox's own copy: addressed to it, as the bank would have sent it.
    const fixture = addressedTo(fixtureBytes('bac_purchase_crc.eml'), 'tester@gmail.com');
    const { ids } = await addMail('tester@gmail.com', [
      { fixture: 'bac_purchase_crc.eml', internalDate, labelIds: ['INBOX', 'UNREAD'] },
      { rawBase64: fixtureBytes('bcr_sinpe_in.eml').toString('base64') },
      { rawBase64: fixtureBytes('davibank_purchase_html_only.eml').toString('base64url') },
      { raw: fixtureBytes('personal_not_bank.eml').toString('utf8') },
    ]);
    const { tokens } = await connect();
    const res = await gmail(`/messages/${ids[0]}?format=raw`, tokens.access_token);
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ['id', 'threadId', 'labelIds', 'snippet', 'historyId', 'internalDate', 'sizeEstimate', 'raw']);
    assert.equal(res.body.id, ids[0]);
    assert.equal(res.body.threadId, ids[0]);
    assert.deepEqual(res.body.labelIds, ['INBOX', 'UNREAD']);
    assert.equal(res.body.internalDate, String(internalDate));
    assert.equal(res.body.sizeEstimate, fixture.length);
    assert.match(res.body.snippet, /^Hola ANA ROJAS DEMO, A continuación/);
    assert.match(res.body.raw, /^[A-Za-z0-9_-]+={0,2}$/);
    assert.equal(res.body.raw.length % 4, 0);
    assert.ok(Buffer.from(res.body.raw, 'base64url').equals(fixture));
    for (const [i, name] of [[1, 'bcr_sinpe_in.eml'], [2, 'davibank_purchase_html_only.eml'], [3, 'personal_not_bank.eml']]) {
      const raw = (await gmail(`/messages/${ids[i]}?format=raw`, tokens.access_token)).body.raw;
      assert.ok(Buffer.from(raw, 'base64url').equals(fixtureBytes(name)), name);
    }

    // format=metadata of the same message: its headers, decoded.
    const meta = (await gmail(`/messages/${ids[0]}?format=metadata`, tokens.access_token)).body;
    assert.equal(meta.payload.mimeType, 'multipart/alternative');
    const subject = meta.payload.headers.find((h) => h.name === 'Subject').value;
    assert.match(subject, /^Notificación de transacción AUTO MERCADO/);

    assert.deepEqual(await gmail('/messages/0123456789abcdef?format=raw', tokens.access_token), { status: 404, body: NOT_FOUND });
  });

  test('history: messages added after startHistoryId, paged; current historyId', async () => {
    const { tokens } = await connect();
    const start = (await gmail('/profile', tokens.access_token)).body.historyId;
    const nothing = await gmail(`/history?startHistoryId=${start}`, tokens.access_token);
    assert.deepEqual(nothing, { status: 200, body: { historyId: start } });

    const { ids, historyId } = await addMail('tester@gmail.com', [
      { fixture: 'bac_otp.eml' },
      { fixture: 'bcr_sinpe_in.eml', threadId: 'thread-x' },
      { fixture: 'personal_not_bank.eml', labelIds: ['INBOX', 'CATEGORY_PERSONAL'] },
    ]);
    const all = await gmail(`/history?startHistoryId=${start}&historyTypes=messageAdded`, tokens.access_token);
    assert.equal(all.status, 200);
    assert.equal(all.body.historyId, historyId);
    assert.equal(all.body.nextPageToken, undefined);
    assert.deepEqual(all.body.history.map((h) => h.messages[0].id), ids);
    const ascending = all.body.history.map((h) => BigInt(h.id));
    assert.ok(ascending.every((id, i) => i === 0 || id > ascending[i - 1]));
    assert.ok(ascending[0] > BigInt(start));
    assert.equal(all.body.history[2].id, historyId);
    assert.deepEqual(all.body.history[1], {
      id: all.body.history[1].id,
      messages: [{ id: ids[1], threadId: 'thread-x' }],
      messagesAdded: [{ message: { id: ids[1], threadId: 'thread-x', labelIds: ['INBOX'] } }],
    });

    // Only what came after startHistoryId.
    const later = await gmail(`/history?startHistoryId=${all.body.history[0].id}`, tokens.access_token);
    assert.deepEqual(later.body.history.map((h) => h.messages[0].id), ids.slice(1));

    // Paging.
    const page1 = await gmail(`/history?startHistoryId=${start}&maxResults=2`, tokens.access_token);
    assert.equal(page1.body.history.length, 2);
    assert.ok(page1.body.nextPageToken);
    const page2 = await gmail(`/history?startHistoryId=${start}&maxResults=2&pageToken=${page1.body.nextPageToken}`, tokens.access_token);
    assert.deepEqual(page2.body.history.map((h) => h.messages[0].id), [ids[2]]);
    assert.equal(page2.body.nextPageToken, undefined);
    assert.equal(page2.body.historyId, historyId);

    // Other history types only: nothing the fake records.
    assert.deepEqual((await gmail(`/history?startHistoryId=${start}&historyTypes=labelAdded`, tokens.access_token)).body, { historyId });

    const missing = await gmail('/history', tokens.access_token);
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.errors[0].reason, 'required');
    assert.equal((await gmail('/history?startHistoryId=abc', tokens.access_token)).status, 400);
    assert.equal((await gmail('/history?startHistoryId=-1', tokens.access_token)).status, 400);
    assert.equal((await gmail(`/history?startHistoryId=${start}&historyTypes=everything`, tokens.access_token)).status, 400);
  });

  test('history floor: a startHistoryId below it answers 404', async () => {
    const { tokens } = await connect();
    const start = (await gmail('/profile', tokens.access_token)).body.historyId;
    // Below the mailbox's first history id: already gone.
    assert.deepEqual(await gmail(`/history?startHistoryId=${BigInt(start) - 1n}`, tokens.access_token), { status: 404, body: NOT_FOUND });
    assert.deepEqual(await gmail('/history?startHistoryId=1', tokens.access_token), { status: 404, body: NOT_FOUND });

    const { historyId } = await addMail('tester@gmail.com', [{ fixture: 'bac_otp.eml' }, { fixture: 'bcr_sinpe_in.eml' }]);
    const mid = String(BigInt(start) + 1n);
    assert.deepEqual(await admin('POST', '/gmail/history-floor', { email: 'tester@gmail.com', floor: mid }), {
      email: 'tester@gmail.com',
      floor: mid,
      historyId,
    });
    assert.equal((await gmail(`/history?startHistoryId=${start}`, tokens.access_token)).status, 404);
    assert.equal((await gmail(`/history?startHistoryId=${mid}`, tokens.access_token)).body.history.length, 1);

    assert.deepEqual(await admin('POST', '/gmail/history-floor', { email: 'tester@gmail.com', floorToCurrent: true }), {
      email: 'tester@gmail.com',
      floor: historyId,
      historyId,
    });
    assert.deepEqual(await gmail(`/history?startHistoryId=${mid}`, tokens.access_token), { status: 404, body: NOT_FOUND });
    assert.deepEqual(await gmail(`/history?startHistoryId=${historyId}`, tokens.access_token), { status: 200, body: { historyId } });
    // A full resync (list + get) still works, and new mail shows up in history after the floor.
    assert.equal((await listAll(tokens.access_token)).ids.length, 2);
    const added = await addMail('tester@gmail.com', [{ fixture: 'personal_not_bank.eml' }]);
    assert.deepEqual((await gmail(`/history?startHistoryId=${historyId}`, tokens.access_token)).body.history.map((h) => h.messages[0].id), added.ids);
  });

  test('auth: every Gmail endpoint needs a live token with a Gmail read scope', async () => {
    const { tokens } = await connect();
    const narrow = await connect({ email: 'narrow@gmail.com', untick: ['Gmail (read-only)'], params: { include_granted_scopes: undefined } });
    for (const path of ['/profile', '/messages', '/messages/abc', '/history?startHistoryId=1']) {
      const bad = await gmailWithHeaders(path, 'not-a-token');
      assert.equal(bad.status, 401, path);
      assert.equal(bad.body.error.status, 'UNAUTHENTICATED');
      assert.match(bad.headers.get('www-authenticate'), /invalid_token/);
      const scoped = await gmail(path, narrow.tokens.access_token);
      assert.equal(scoped.status, 403, path);
      assert.equal(scoped.body.error.errors[0].reason, 'insufficientPermissions');
    }
    await revoke(tokens.refresh_token);
    assert.equal((await gmail('/profile', tokens.access_token)).status, 401);
    await admin('POST', '/config', { accessTokenTtl: 0 });
    const expired = await connect({ email: 'expired@gmail.com' });
    assert.equal((await gmail('/history?startHistoryId=1', expired.tokens.access_token)).status, 401);
  });

  test('faults: 429 with Retry-After, 403 rate limits, 500/503 backendError, 401; per account and operation', async () => {
    const { ids } = await addMail('tester@gmail.com', [{ fixture: 'bac_otp.eml' }]);
    const { tokens } = await connect();
    const other = await connect({ email: 'other@gmail.com' });
    const t = tokens.access_token;
    const reasonOf = (res) => res.body.error.errors[0].reason;

    const rate = await admin('POST', '/faults', { endpoint: 'gmail', status: 429, retryAfter: 7, times: 1 });
    assert.deepEqual(rate, {
      id: rate.id,
      endpoint: 'gmail',
      status: 429,
      retryAfter: 7,
      remaining: 1,
    });
    const limited = await gmailWithHeaders('/messages', t);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.equal(limited.body.error.code, 429);
    assert.equal(limited.body.error.status, 'RESOURCE_EXHAUSTED');
    assert.equal(reasonOf(limited), 'rateLimitExceeded');
    assert.equal(limited.body.error.errors[0].domain, 'usageLimits');
    assert.match(limited.body.error.message, /Retry after \d{4}-\d\d-\d\dT/);
    assert.equal((await gmail('/messages', t)).status, 200);

    await admin('POST', '/faults', { endpoint: 'gmail', status: 403, times: 1 });
    const user403 = await gmailWithHeaders('/profile', t);
    assert.deepEqual([user403.status, reasonOf(user403), user403.body.error.status], [403, 'userRateLimitExceeded', 'PERMISSION_DENIED']);
    assert.equal(user403.headers.get('retry-after'), null);
    await admin('POST', '/faults', { endpoint: 'gmail', status: 403, reason: 'rateLimitExceeded', times: 1 });
    const project403 = await gmail('/profile', t);
    assert.deepEqual([project403.status, reasonOf(project403), project403.body.error.message], [403, 'rateLimitExceeded', 'Rate Limit Exceeded']);

    await admin('POST', '/faults', { endpoint: 'gmail', status: 500, times: 1 });
    await admin('POST', '/faults', { endpoint: 'gmail', status: 503, retryAfter: 2, times: 1 });
    const e500 = await gmail('/profile', t);
    assert.deepEqual([e500.status, reasonOf(e500), e500.body.error.status], [500, 'backendError', 'INTERNAL']);
    const e503 = await gmailWithHeaders('/profile', t);
    assert.deepEqual([e503.status, reasonOf(e503), e503.body.error.status], [503, 'backendError', 'UNAVAILABLE']);
    assert.equal(e503.headers.get('retry-after'), '2');

    // 401 as for an expired token; the token itself stays good.
    await admin('POST', '/faults', { endpoint: 'gmail', status: 401, times: 1 });
    const e401 = await gmailWithHeaders(`/messages/${ids[0]}?format=raw`, t);
    assert.equal(e401.status, 401);
    assert.equal(e401.body.error.status, 'UNAUTHENTICATED');
    assert.equal(reasonOf(e401), 'authError');
    assert.match(e401.headers.get('www-authenticate'), /invalid_token/);
    assert.equal((await gmail(`/messages/${ids[0]}?format=raw`, t)).status, 200);

    // Only one account and one operation; `times` counts the calls that match.
    await admin('POST', '/faults', { endpoint: 'gmail', email: 'Tester@Gmail.com', operation: 'get', status: 503, times: 2 });
    assert.equal((await gmail(`/messages/${ids[0]}`, other.tokens.access_token)).status, 404); // other account: not faulted
    assert.equal((await gmail('/messages', t)).status, 200);
    assert.equal((await gmail('/profile', t)).status, 200);
    assert.equal((await gmail('/history?startHistoryId=1', t)).status, 404);
    assert.equal((await gmail(`/messages/${ids[0]}`, t)).status, 503);
    assert.equal((await gmail(`/messages/${ids[0]}`, t)).status, 503);
    assert.equal((await gmail(`/messages/${ids[0]}?format=raw`, t)).status, 200);
    const listed = await admin('GET', '/faults');
    assert.deepEqual(listed.at(-1), { id: listed.at(-1).id, endpoint: 'gmail', email: 'tester@gmail.com', operation: 'get', status: 503, remaining: 0 });

    // history faults, and a fault on every call until cleared.
    await admin('POST', '/faults', { endpoint: 'gmail', operation: 'history', status: 429, retryAfter: 1 });
    assert.equal((await gmail('/history?startHistoryId=1', t)).status, 429);
    assert.equal((await gmail('/history?startHistoryId=1', t)).status, 429);
    assert.equal((await gmail('/profile', t)).status, 200);
    await admin('DELETE', '/faults');
    assert.equal((await gmail('/history?startHistoryId=1', t)).status, 404);
  });

  test('calls: Gmail calls are recorded with operation, account, query and message id', async () => {
    const { ids } = await addMail('tester@gmail.com', [{ fixture: 'bac_otp.eml' }, { fixture: 'bcr_sinpe_in.eml' }]);
    const { tokens } = await connect();
    const other = await connect({ email: 'other@gmail.com' });
    await gmail('/profile', tokens.access_token);
    await gmail(`/messages?q=${encodeURIComponent('from:(bancobcr.com OR baccredomatic.com) after:1')}&maxResults=10`, tokens.access_token);
    for (const id of ids) await gmail(`/messages/${id}?format=raw`, tokens.access_token);
    await gmail(`/messages/${ids[0]}?format=raw`, other.tokens.access_token);
    await gmail('/history?startHistoryId=5', tokens.access_token);
    await gmail('/profile', 'bogus');

    const calls = await admin('GET', '/calls?endpoint=gmail');
    assert.deepEqual(calls.map((c) => [c.operation, c.account, c.status]), [
      ['profile', 'tester@gmail.com', 200],
      ['list', 'tester@gmail.com', 200],
      ['get', 'tester@gmail.com', 200],
      ['get', 'tester@gmail.com', 200],
      ['get', 'other@gmail.com', 404],
      ['history', 'tester@gmail.com', 404],
      ['profile', null, 401],
    ]);
    assert.equal(calls[1].path, '/gmail/v1/users/me/messages');
    assert.equal(calls[1].params.q, 'from:(bancobcr.com OR baccredomatic.com) after:1');
    assert.equal(new URLSearchParams(calls[1].query).get('q'), 'from:(bancobcr.com OR baccredomatic.com) after:1');
    assert.equal(calls[2].messageId, ids[0]);
    assert.equal(calls[2].params.format, 'raw');
    const gets = await admin('GET', '/calls?endpoint=gmail&operation=get&account=tester@gmail.com');
    assert.deepEqual(gets.map((c) => c.messageId), ids);
  });
});

describe('demo seeding (FAKE_GOOGLE_SEED_ALERTS=1)', () => {
  const SEEDED = [
    'bac_purchase_crc.eml',
    'bac_purchase_usd_ago.eml',
    'bcr_card_three_rows.eml',
    'bcr_sinpe_in.eml',
    'davibank_purchase_html_only.eml',
    'bac_2026_purchase_visa_crc.eml',
    'bac_2026_refund_amex.eml',
    'bac_sinpe_2026_out.eml',
    'davivienda_autorizacion_crc.eml',
    'bncr_voucher_usd.eml',
    'promerica_purchase_crc.eml',
    'bac_otp.eml',
    'spoof_bac_display_name.eml',
    'personal_not_bank.eml',
  ];
  let seeded;
  let mainBase;

  before(async () => {
    seeded = await startServer({ FAKE_GOOGLE_SEED_ALERTS: '1' });
    mainBase = base;
    base = seeded.url;
  });

  after(async () => {
    base = mainBase;
    await stopServer(seeded?.child);
  });

  test('every new mailbox gets the alert fixtures, re-dated to the last six days', async () => {
    const { tokens } = await connect({ email: 'demo@gmail.com' });
    const box = await admin('GET', '/gmail/mailbox?email=demo@gmail.com');
    assert.equal(box.messagesTotal, SEEDED.length);
    const { ids } = await listAll(tokens.access_token);
    assert.equal(ids.length, SEEDED.length);
    const now = Date.now();
    const messageIds = [];
    let datesSeen = 0;
    let previous = Infinity;
    for (const id of ids) {
      const m = (await gmail(`/messages/${id}?format=raw`, tokens.access_token)).body;
      const internalDate = Number(m.internalDate);
      assert.ok(internalDate <= previous, 'newest first');
      assert.ok(internalDate > now - 7 * DAY && internalDate < now, `internalDate ${m.internalDate} within the last 6 days`);
      previous = internalDate;
      const raw = Buffer.from(m.raw, 'base64url');
      const head = headerBlock(raw);
      messageIds.push(/^Message-ID:\s*(\S+)/im.exec(head)[1]);
      // The message says it was sent when it landed, a few seconds before.
      const sent = Date.parse(/^Date:\s*(.+)$/im.exec(head)[1]);
      assert.ok(internalDate - sent >= 0 && internalDate - sent < 60_000, `sent ${sent}, landed ${internalDate}`);
      // Every date its text gives is recent too: a day of the last week, in the bank's zone. Read
      // as UTC midnight, such a day starts up to a day and a zone offset (at most 14 h) before
      // the mail was sent.
      const dates = textParts(raw).flatMap(datesIn);
      datesSeen += dates.length;
      const earliestDay = now - 8 * DAY - 14 * 3_600_000;
      for (const date of dates) {
        assert.ok(date.getTime() > earliestDay && date.getTime() < now, `${date.toISOString()} in ${messageIds.at(-1)}`);
      }
    }
    // The bank alerts give their dates in text (the personal mail and the code do not).
    assert.ok(datesSeen >= SEEDED.length - 3, `${datesSeen} dates in the text`);
    // The same mails as the fixtures (by Message-ID), addressed to the mailbox.
    const fixtureIds = SEEDED.map((name) => /^Message-ID:\s*(\S+)/im.exec(headerBlock(fixtureBytes(name)))[1]);
    assert.deepEqual([...messageIds].sort(), [...fixtureIds].sort());
    const history = await gmail(`/history?startHistoryId=${box.historyId}`, tokens.access_token);
    assert.deepEqual(history.body, { historyId: box.historyId });

    // A mailbox first touched by the admin API is seeded too, before its own mail.
    const added = await addMail('later@gmail.com', [{ fixture: 'bcr_sinpe_out.eml' }]);
    assert.equal(added.count, SEEDED.length + 1);
    // After a reset, mailboxes are made (and seeded) afresh.
    await admin('POST', '/reset');
    assert.equal((await fetch(`${base}/__admin/gmail/mailbox?email=demo@gmail.com`)).status, 404);
    const again = await connect({ email: 'demo@gmail.com' });
    assert.equal((await gmail('/profile', again.tokens.access_token)).body.messagesTotal, SEEDED.length);
  });

  test('the main server does not seed', async () => {
    const res = await fetch(`${mainBase}/__admin/gmail/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'plain@gmail.com', messages: [] }),
    });
    assert.equal((await res.json()).count, 0);
  });
});

describe('re-dating an alert', () => {
  test('each layout moves by whole days, across months and years, in its own style', () => {
    assert.equal(redateText('Fecha: Nov 30, 2025, 09:09', 2), 'Fecha: Dic 2, 2025, 09:09');
    assert.equal(redateText('Ago 14, 2026 , 12:58', 112), 'Dic 4, 2026 , 12:58');
    assert.equal(redateText('el 05/12/2025 13:45:10', 27), 'el 01/01/2026 13:45:10');
    assert.equal(redateText('Fecha/hora 21 oct 2026 / 19:07', 45), 'Fecha/hora 5 dic 2026 / 19:07');
    assert.equal(redateText('el *27 de Septiembre de 2026* a las', 67), 'el *3 de Diciembre de 2026* a las');
    assert.equal(redateText('05/12/2025 and Sep 27, 2026', -1), '04/12/2025 and Sep 26, 2026');
    // References, years alone and words that are not months stay.
    const untouched = 'Referencia 2026100615283012907746102 · DERECHOS RESERVADOS. 2026 · USD 25, 2026';
    assert.equal(redateText(untouched, 30), untouched);
    assert.deepEqual(datesIn('21 oct 2026 and Nov 30, 2025').map((d) => d.toISOString().slice(0, 10)), ['2025-11-30', '2026-10-21']);
  });

  test('the admin API re-dates a fixture to internalDate\'s day on request', async () => {
    const when = Date.parse('2026-12-03T20:00:00Z');
    const { tokens } = await connect({ email: 'redate@gmail.com' });
    await addMail('redate@gmail.com', [{ fixture: 'promerica_purchase_crc.eml', internalDate: when, redate: true }]);
    const { ids } = await listAll(tokens.access_token);
    const m = (await gmail(`/messages/${ids[0]}?format=raw`, tokens.access_token)).body;
    const raw = Buffer.from(m.raw, 'base64url');
    assert.deepEqual(textParts(raw).flatMap(datesIn).map((d) => d.toISOString().slice(0, 10)), ['2026-12-03']);
    assert.match(headerBlock(raw), /^Date: Thu, 03 Dec 2026 19:07:44 -0600$/m);
    assert.equal(Number(m.internalDate), Date.parse('2026-12-03T19:07:48-06:00'));
    // Only a whole message can be re-dated.
    const res = await fetch(`${base}/__admin/gmail/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'redate@gmail.com', messages: [{ subject: 'hi', redate: true }] }),
    });
    assert.equal(res.status, 400);
    assert.match((await res.json()).error_description, /redate needs one of raw, rawBase64, fixture/);
  });
});
