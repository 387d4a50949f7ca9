// A small Gmail API v1 subset: seeded messages, `q` search, and message
// resources shaped like Google's (users.messages.list / users.messages.get).
import { randomBytes } from 'node:crypto';

// Scopes that allow reading message contents.
export const GMAIL_READ_SCOPES = Object.freeze([
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://www.googleapis.com/auth/gmail.modify',
  'https://mail.google.com/',
]);

const MESSAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_PAGE = 500;

// Google API error body, e.g. gmailError(404, 'NOT_FOUND', 'Requested entity was not found.', 'notFound').
export function gmailError(code, status, message, reason) {
  return { error: { code, message, errors: [{ message, domain: 'global', reason }], status } };
}

export const GMAIL_UNAUTHENTICATED = gmailError(
  401,
  'UNAUTHENTICATED',
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
  'authError',
);
export const GMAIL_INSUFFICIENT_SCOPE = gmailError(
  403,
  'PERMISSION_DENIED',
  'Request had insufficient authentication scopes.',
  'insufficientPermissions',
);
export const GMAIL_NOT_FOUND = gmailError(404, 'NOT_FOUND', 'Requested entity was not found.', 'notFound');

function optionalString(value, name, fallback) {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') throw new Error(`messages[].${name} must be a string`);
  return value;
}

// Validates the admin seeding payload and turns it into stored messages.
// Throws an Error with a readable message on bad input.
export function normalizeSeed(email, messages) {
  if (!Array.isArray(messages)) throw new Error('messages must be an array');
  return messages.map((m) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new Error('each message must be an object');
    const id = optionalString(m.id, 'id', randomBytes(8).toString('hex'));
    if (!MESSAGE_ID.test(id)) throw new Error(`invalid message id: ${JSON.stringify(id)}`);
    const threadId = optionalString(m.threadId, 'threadId', id);
    if (!MESSAGE_ID.test(threadId)) throw new Error(`invalid threadId: ${JSON.stringify(threadId)}`);
    const date = optionalString(m.date, 'date', new Date().toUTCString());
    const internalDate = Date.parse(date);
    if (Number.isNaN(internalDate)) throw new Error(`unparseable date: ${JSON.stringify(date)}`);
    const labelIds = m.labelIds ?? ['INBOX'];
    if (!Array.isArray(labelIds) || !labelIds.every((l) => typeof l === 'string')) {
      throw new Error('messages[].labelIds must be an array of strings');
    }
    return {
      id,
      threadId,
      labelIds,
      from: optionalString(m.from, 'from', 'sender@example.com'),
      to: optionalString(m.to, 'to', email),
      subject: optionalString(m.subject, 'subject', ''),
      date,
      internalDate,
      body: optionalString(m.body, 'body', ''),
    };
  });
}

// Splits a Gmail search string into terms, keeping "quoted phrases" together.
function tokenize(q) {
  const terms = [];
  const re = /(-?)(?:([a-z_]+):)?(?:"([^"]*)"|(\S+))/gi;
  for (const match of q.matchAll(re)) {
    terms.push({ negate: match[1] === '-', op: match[2]?.toLowerCase(), value: (match[3] ?? match[4] ?? '').toLowerCase() });
  }
  return terms;
}

// after:/before: take YYYY/MM/DD (or YYYY-MM-DD) or epoch seconds.
function parseDay(value) {
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const m = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(value);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
}

// newer_than:/older_than: take 3d, 2m or 1y.
function parseAge(value) {
  const m = /^(\d+)([dmy])$/.exec(value);
  if (!m) return NaN;
  const days = { d: 1, m: 31, y: 366 }[m[2]];
  return Number(m[1]) * days * 86_400_000;
}

function termMatches(message, { op, value }) {
  const has = (text) => text.toLowerCase().includes(value);
  switch (op) {
    case undefined:
      return has(message.from) || has(message.subject) || has(message.body);
    case 'from':
      return has(message.from);
    case 'to':
      return has(message.to);
    case 'subject':
      return has(message.subject);
    case 'after':
      return message.internalDate >= parseDay(value);
    case 'before':
      return message.internalDate < parseDay(value);
    case 'newer_than':
      return message.internalDate >= Date.now() - parseAge(value);
    case 'older_than':
      return message.internalDate < Date.now() - parseAge(value);
    case 'label':
    case 'in':
      return message.labelIds.some((l) => l.toLowerCase() === value);
    default:
      return true; // operators the fake does not model (is:, has:, category:...) match everything
  }
}

// Messages matching `q`, newest first, as Gmail lists them.
export function searchMessages(messages, q) {
  const terms = tokenize(q ?? '');
  return messages
    .filter((m) => terms.every((t) => termMatches(m, t) !== t.negate))
    .sort((a, b) => b.internalDate - a.internalDate);
}

// users.messages.list response. Like Gmail, `messages` is absent when nothing matches.
export function listResponse(matches, query) {
  let maxResults = 100;
  if (query.maxResults !== undefined) {
    maxResults = Number(query.maxResults);
    if (!Number.isInteger(maxResults) || maxResults < 1) return { error: 'Invalid maxResults' };
    maxResults = Math.min(maxResults, MAX_PAGE);
  }
  let offset = 0;
  if (query.pageToken !== undefined) {
    offset = Number(Buffer.from(query.pageToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) return { error: 'Invalid pageToken' };
  }
  const page = matches.slice(offset, offset + maxResults);
  const body = {};
  if (page.length > 0) body.messages = page.map((m) => ({ id: m.id, threadId: m.threadId }));
  if (offset + maxResults < matches.length) {
    body.nextPageToken = Buffer.from(String(offset + maxResults)).toString('base64url');
  }
  body.resultSizeEstimate = matches.length;
  return { body };
}

function headersOf(message) {
  return [
    { name: 'From', value: message.from },
    { name: 'To', value: message.to },
    { name: 'Subject', value: message.subject },
    { name: 'Date', value: message.date },
    { name: 'Message-ID', value: `<${message.id}@mail.fake-google.test>` },
  ];
}

// users.messages.get response for format full (default), metadata, minimal or raw.
export function messageResource(message, format = 'full', metadataHeaders = []) {
  const bodyBytes = Buffer.from(message.body, 'utf8');
  const headers = headersOf(message);
  const resource = {
    id: message.id,
    threadId: message.threadId,
    labelIds: message.labelIds,
    snippet: message.body.replace(/\s+/g, ' ').trim().slice(0, 200),
    historyId: String(100000 + Math.floor(message.internalDate / 1000)),
    internalDate: String(message.internalDate),
    sizeEstimate: bodyBytes.length + headers.reduce((n, h) => n + h.name.length + h.value.length + 4, 0),
  };
  switch (format) {
    case 'minimal':
      return resource;
    case 'metadata': {
      const wanted = metadataHeaders.map((h) => h.toLowerCase());
      resource.payload = {
        mimeType: 'text/plain',
        headers: wanted.length ? headers.filter((h) => wanted.includes(h.name.toLowerCase())) : headers,
      };
      return resource;
    }
    case 'raw': {
      const text = `${headers.map((h) => `${h.name}: ${h.value}`).join('\r\n')}\r\nContent-Type: text/plain; charset="UTF-8"\r\n\r\n${message.body}`;
      resource.raw = Buffer.from(text, 'utf8').toString('base64url');
      return resource;
    }
    case 'full':
      resource.payload = {
        partId: '',
        mimeType: 'text/plain',
        filename: '',
        headers: [...headers, { name: 'Content-Type', value: 'text/plain; charset="UTF-8"' }],
        body: { size: bodyBytes.length, data: bodyBytes.toString('base64url') },
      };
      return resource;
    default:
      return null;
  }
}
