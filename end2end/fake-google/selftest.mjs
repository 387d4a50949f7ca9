// Self-test of the fake Google: starts server.mjs as a child process on a free
// port and drives it with plain fetch, as the browser and mailconnect would.
// Run: node end2end/fake-google/selftest.mjs   (exits non-zero on failure)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const CLIENT_ID = 'selftest-client';
const CLIENT_SECRET = 'selftest-secret';
const REDIRECT_URI = 'http://127.0.0.1:3000/oauth/google/callback';
const GMAIL = 'https://www.googleapis.com/auth/gmail.readonly';
const SCOPES = ['openid', 'email', GMAIL];

let child;
let base;

before(async () => {
  child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, FAKE_GOOGLE_PORT: '0', FAKE_GOOGLE_CLIENT_ID: CLIENT_ID, FAKE_GOOGLE_CLIENT_SECRET: CLIENT_SECRET },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fake google did not start; output: ${out}`)), 10_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /^fake google listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`fake google exited with ${code}; output: ${out}`)));
  });
});

after(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
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
      ['/revoke-all', {}],
      ['/gmail/messages', { email: 'a@b.c', messages: [{ date: 'not a date' }] }],
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

    const full = await gmail('/messages/m1?format=full', tokens.access_token);
    assert.equal(full.status, 200);
    const headers = Object.fromEntries(full.body.payload.headers.map((h) => [h.name, h.value]));
    assert.equal(headers.From, 'Ann <ann@example.com>');
    assert.equal(headers.Subject, 'Invoice 42');
    assert.equal(headers.Date, 'Mon, 03 Nov 2025 09:00:00 +0000');
    assert.equal(Buffer.from(full.body.payload.body.data, 'base64url').toString('utf8'), 'Please pay — merci.');
    assert.equal(full.body.internalDate, String(Date.parse('2025-11-03T09:00:00Z')));

    assert.equal((await gmail('/messages/zzz', tokens.access_token)).status, 404);
    assert.equal((await gmail('/messages/m1?format=weird', tokens.access_token)).status, 400);
    assert.equal((await gmail('/messages', 'not-a-token')).status, 401);
    const calls = await admin('GET', '/calls?endpoint=gmail');
    assert.equal(calls[0].bearer, tokens.access_token);
  });
});
