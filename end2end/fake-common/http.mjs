// HTTP plumbing shared by the fake Google and the fake Microsoft: JSON and HTML
// answers, request bodies (form or JSON), OAuth parameter checks, bearer and
// client credentials.

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

export class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function sendJson(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

export function sendHtml(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

export function invalidRequest(res, description) {
  sendJson(res, 400, { error: 'invalid_request', error_description: description });
}

export function redirectTo(res, base, params) {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  res.writeHead(302, { location: url.href, 'cache-control': 'no-store' });
  res.end();
}

export async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// Form or query parameters as an object; a repeated name becomes an array.
export function formToObject(search) {
  const out = Object.create(null);
  for (const [name, value] of search) {
    if (!Object.hasOwn(out, name)) out[name] = value;
    else out[name] = [].concat(out[name], value);
  }
  return out;
}

export function parseBody(req, text) {
  if (text.trim() === '') return Object.create(null);
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (!type.includes('json')) return formToObject(new URLSearchParams(text));
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Malformed JSON body');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, 'JSON body must be an object');
  }
  return Object.assign(Object.create(null), value);
}

// OAuth parameters must appear once and be strings; returns the offending name.
export function badParameter(params, allowRepeated = []) {
  for (const [name, value] of Object.entries(params)) {
    if (allowRepeated.includes(name)) continue;
    if (typeof value !== 'string') return name;
  }
  return null;
}

export function bearerToken(req) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''));
  return match ? match[1] : null;
}

export function decodeFormComponent(text) {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}

// Client credentials from HTTP Basic or from client_id/client_secret in the body.
export function clientCredentials(req, params) {
  const header = String(req.headers.authorization ?? '');
  if (/^Basic\s/i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { error: 'Malformed Basic authorization header' };
    const id = decodeFormComponent(decoded.slice(0, colon));
    const secret = decodeFormComponent(decoded.slice(colon + 1));
    if (params.client_id !== undefined && params.client_id !== id) {
      return { error: 'client_id in the body does not match the Authorization header' };
    }
    return { id, secret };
  }
  if (params.client_id === undefined || params.client_id === '') {
    return { error: 'Could not determine client ID from request.' };
  }
  return { id: params.client_id, secret: params.client_secret };
}

export function normalizeEmail(value) {
  if (typeof value !== 'string') return null;
  const email = value.trim().toLowerCase();
  return email.length <= 254 && EMAIL.test(email) ? email : null;
}


// An email address from an admin request, or a 400.
export function adminEmail(value) {
  const email = normalizeEmail(value);
  if (!email) throw new HttpError(400, 'email must be an email address');
  return email;
}

// Starts `server` on host:port (0: a free port); resolves to { url, port, close }.
export async function listen(server, port, host) {
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  return {
    url: `http://${host}:${actualPort}`,
    port: actualPort,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
