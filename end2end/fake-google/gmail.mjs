// A small Gmail API v1 subset: mailboxes of RFC 5322 messages with a history,
// `q` search, and resources shaped like Google's (users.getProfile,
// users.messages.list, users.messages.get, users.history.list).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { addressesIn, decodeWords, headerValue, messageText, parseEntity } from './mime.mjs';
import { redated } from './redate.mjs';

// Scopes that allow reading message contents.
export const GMAIL_READ_SCOPES = Object.freeze([
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://www.googleapis.com/auth/gmail.modify',
  'https://mail.google.com/',
]);

// The alert fixtures of the server's tests, used by `fixture` and by demo seeding.
export const FIXTURES_DIR = new URL('../../server/src/alerts/fixtures/', import.meta.url);

// What every new mailbox gets when the fake runs with FAKE_GOOGLE_SEED_ALERTS=1, oldest first.
export const SEED_FIXTURES = Object.freeze([
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
]);
// The seeded alerts were sent on the last days before today, one day after another: within
// the first sync's window (SYNC_INITIAL_DAYS, 7 by default), and this month's spending.
const SEED_SPAN_DAYS = 6;
const DAY_MS = 86_400_000;
// How long after its sending an alert lands in the mailbox.
const DELIVERY_MS = 4_000;

// Gmail's operations, as faults and recorded calls name them.
export const OPERATIONS = Object.freeze(['list', 'get', 'history', 'profile', 'watch', 'stop']);
export const HISTORY_TYPES = Object.freeze(['messageAdded', 'messageDeleted', 'labelAdded', 'labelRemoved']);

const MESSAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const FIXTURE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*\.eml$/;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 500;

// ---- Google's error bodies ----------------------------------------------------

// Google API error body, e.g. gmailError(404, 'NOT_FOUND', 'Requested entity was not found.', 'notFound').
export function gmailError(code, status, message, reason, domain = 'global', extra = {}) {
  return { error: { code, message, errors: [{ message, domain, reason, ...extra }], status } };
}

export const GMAIL_UNAUTHENTICATED = gmailError(
  401,
  'UNAUTHENTICATED',
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
  'authError',
  'global',
  { location: 'Authorization', locationType: 'header' },
);
export const WWW_AUTHENTICATE = 'Bearer realm="https://accounts.google.com/", error="invalid_token"';
export const GMAIL_INSUFFICIENT_SCOPE = gmailError(
  403,
  'PERMISSION_DENIED',
  'Request had insufficient authentication scopes.',
  'insufficientPermissions',
);
export const GMAIL_NOT_FOUND = gmailError(404, 'NOT_FOUND', 'Requested entity was not found.', 'notFound');

export function invalidArgument(message) {
  return gmailError(400, 'INVALID_ARGUMENT', message, 'invalidArgument');
}

function requiredParameter(name) {
  return gmailError(400, 'INVALID_ARGUMENT', `Required parameter: ${name}`, 'required', 'global', {
    location: name,
    locationType: 'parameter',
  });
}

// Reasons an injected Gmail fault may give, with their message, domain and status.
export const FAULT_REASONS = Object.freeze({
  rateLimitExceeded: { message: 'Rate Limit Exceeded', domain: 'usageLimits' },
  userRateLimitExceeded: { message: 'User Rate Limit Exceeded', domain: 'usageLimits' },
  dailyLimitExceeded: { message: 'Daily Limit Exceeded', domain: 'usageLimits' },
  backendError: { message: 'Backend Error', domain: 'global' },
  authError: { message: GMAIL_UNAUTHENTICATED.error.message, domain: 'global' },
});
const STATUS_NAMES = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function defaultFaultReason(status) {
  if (status === 401) return 'authError';
  if (status === 403) return 'userRateLimitExceeded';
  if (status === 429) return 'rateLimitExceeded';
  if (status >= 500) return 'backendError';
  return undefined;
}

// Body and headers of an injected Gmail fault that gives no body of its own.
export function gmailFaultResponse(status, reason = defaultFaultReason(status), retryAfter) {
  if (status === 401) return { body: GMAIL_UNAUTHENTICATED, headers: { 'www-authenticate': WWW_AUTHENTICATE } };
  if (status === 404) return { body: GMAIL_NOT_FOUND, headers: {} };
  const known = reason === undefined ? undefined : FAULT_REASONS[reason];
  let message = known?.message ?? (status >= 500 ? 'Backend Error' : 'Injected fault');
  if (status === 503 && reason === 'backendError') message = 'The service is currently unavailable.';
  if (retryAfter !== undefined && known?.domain === 'usageLimits') {
    message = `${message}. Retry after ${new Date(Date.now() + retryAfter * 1000).toISOString()}`;
  }
  const statusName = STATUS_NAMES[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
  return { body: gmailError(status, statusName, message, reason ?? 'failedPrecondition', known?.domain ?? 'global'), headers: {} };
}

// ---- messages -------------------------------------------------------------------

// base64url as Gmail writes it: padded with '='.
export function base64urlPadded(bytes) {
  const text = bytes.toString('base64url');
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}

// A stored message: its bytes, Gmail's metadata and what search needs.
export function buildMessage({ id, threadId, labelIds, internalDate, raw }) {
  const root = parseEntity(raw);
  const fromHeader = decodeWords(headerValue(root.headers, 'From') ?? '');
  const toHeader = [headerValue(root.headers, 'To'), headerValue(root.headers, 'Cc')].filter(Boolean).join(', ');
  return {
    id,
    threadId,
    labelIds: [...labelIds],
    internalDate,
    historyId: null, // set when added to a mailbox
    raw,
    root,
    from: fromHeader,
    fromAddresses: addressesIn(headerValue(root.headers, 'From')),
    to: decodeWords(toHeader),
    toAddresses: addressesIn(toHeader),
    subject: decodeWords(headerValue(root.headers, 'Subject') ?? ''),
    messageIdHeader: (headerValue(root.headers, 'Message-ID') ?? '').replace(/^<|>$/g, '').toLowerCase(),
    text: messageText(root),
  };
}

// RFC 5322 text of a message given by its fields (the admin API's older form).
function composeRaw({ id, from, to, subject, date, body }) {
  const headers = [
    ['From', from],
    ['To', to],
    ['Subject', subject],
    ['Date', date],
    ['Message-ID', `<${id}@mail.fake-google.test>`],
    ['Content-Type', 'text/plain; charset="UTF-8"'],
  ];
  return Buffer.from(`${headers.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

// The address the fixtures are sent to; a mailbox's copy names the mailbox instead, as the
// bank would have addressed it.
const FIXTURE_RECIPIENT = 'usuario.demo@gmail.com';

export function addressedTo(raw, email) {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  return Buffer.from(head.replaceAll(FIXTURE_RECIPIENT, email) + text.slice(head.length), 'latin1');
}

export function readFixture(name) {
  if (typeof name !== 'string' || !FIXTURE_NAME.test(name)) {
    throw new Error(`fixture must be a file name ending in .eml, got ${JSON.stringify(name)}`);
  }
  try {
    return readFileSync(new URL(name, FIXTURES_DIR));
  } catch (err) {
    if (err.code === 'ENOENT') throw new Error(`no such fixture: ${name}`);
    throw err;
  }
}

export function newMessageId() {
  return randomBytes(8).toString('hex');
}

function optionalString(value, name, fallback) {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') throw new Error(`messages[].${name} must be a string`);
  return value;
}

const FIELD_NAMES = ['from', 'to', 'subject', 'date', 'body'];
const RAW_NAMES = ['raw', 'rawBase64', 'fixture'];

// Validates the admin payload of POST /__admin/gmail/messages and turns it
// into messages (not yet in a mailbox). Throws an Error with a readable
// message on bad input.
export function normalizeSeed(email, messages, now = Date.now()) {
  if (!Array.isArray(messages)) throw new Error('messages must be an array');
  return messages.map((m) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new Error('each message must be an object');
    const id = optionalString(m.id, 'id', newMessageId());
    if (!MESSAGE_ID.test(id)) throw new Error(`invalid message id: ${JSON.stringify(id)}`);
    const threadId = optionalString(m.threadId, 'threadId', id);
    if (!MESSAGE_ID.test(threadId)) throw new Error(`invalid threadId: ${JSON.stringify(threadId)}`);
    const labelIds = m.labelIds ?? ['INBOX'];
    if (!Array.isArray(labelIds) || !labelIds.every((l) => typeof l === 'string' && l !== '')) {
      throw new Error('messages[].labelIds must be an array of strings');
    }
    let internalDate;
    if (m.internalDate !== undefined && m.internalDate !== null) {
      internalDate = typeof m.internalDate === 'string' && /^\d{1,16}$/.test(m.internalDate) ? Number(m.internalDate) : m.internalDate;
      if (!Number.isSafeInteger(internalDate) || internalDate < 0) {
        throw new Error('messages[].internalDate must be milliseconds since the epoch (a non-negative integer)');
      }
    }

    if (m.redate !== undefined && typeof m.redate !== 'boolean') throw new Error('messages[].redate must be true or false');
    const sources = RAW_NAMES.filter((n) => m[n] !== undefined && m[n] !== null);
    if (m.redate && sources.length !== 1) throw new Error(`redate needs one of ${RAW_NAMES.join(', ')}`);
    if (sources.length > 1) throw new Error(`give only one of ${RAW_NAMES.join(', ')}; got ${sources.join(' and ')}`);
    let raw;
    if (sources.length === 1) {
      const fields = FIELD_NAMES.filter((n) => m[n] !== undefined);
      if (fields.length) throw new Error(`${sources[0]} cannot be combined with ${fields.join(', ')}`);
      if (sources[0] === 'fixture') {
        raw = addressedTo(readFixture(m.fixture), email);
      } else if (sources[0] === 'raw') {
        if (typeof m.raw !== 'string' || m.raw === '') throw new Error('messages[].raw must be the message text');
        raw = Buffer.from(m.raw, 'utf8');
      } else {
        const text = typeof m.rawBase64 === 'string' ? m.rawBase64.replace(/\s+/g, '') : null;
        if (!text || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
          throw new Error('messages[].rawBase64 must be the message in base64 or base64url');
        }
        raw = Buffer.from(text.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
      }
      internalDate ??= now;
      // Moved to internalDate's day: the message says it was sent then, and lands then.
      if (m.redate) {
        const moved = redated(raw, internalDate);
        raw = moved.raw;
        internalDate = moved.sentAt + DELIVERY_MS;
      }
    } else {
      const date = optionalString(m.date, 'date', new Date(now).toUTCString());
      const parsed = Date.parse(date);
      if (Number.isNaN(parsed)) throw new Error(`unparseable date: ${JSON.stringify(date)}`);
      internalDate ??= parsed;
      raw = composeRaw({
        id,
        from: optionalString(m.from, 'from', 'sender@example.com'),
        to: optionalString(m.to, 'to', email),
        subject: optionalString(m.subject, 'subject', ''),
        date,
        body: optionalString(m.body, 'body', ''),
      });
    }
    return buildMessage({ id, threadId, labelIds, internalDate, raw });
  });
}

// The fixtures a seeded mailbox (of `email`, when given) starts with, re-dated to the last
// SEED_SPAN_DAYS days before today (oldest first, each at its own time of day).
export function seedAlertMessages(now = Date.now(), email = FIXTURE_RECIPIENT) {
  const count = SEED_FIXTURES.length;
  return SEED_FIXTURES.map((name, i) => {
    const id = newMessageId();
    const daysAgo = SEED_SPAN_DAYS - Math.floor((i * SEED_SPAN_DAYS) / count);
    const moved = redated(addressedTo(readFixture(name), email), now - daysAgo * DAY_MS);
    const internalDate = moved.sentAt + DELIVERY_MS;
    return buildMessage({ id, threadId: id, labelIds: ['INBOX'], internalDate, raw: moved.raw });
  });
}

// ---- mailboxes ------------------------------------------------------------------

// A starting history id that differs between accounts, so that ids of one
// mailbox do not happen to work on another.
function startingHistoryId(email) {
  const n = createHash('sha256').update(email).digest().readUInt32BE(0);
  return 100_000 + (n % 900_000);
}

// One user's mail. historyId grows with every message added; history records
// at or below `floor` are gone, as Gmail forgets old history.
export class Mailbox {
  constructor(email) {
    this.email = email;
    this.messages = new Map(); // id -> message
    this.historyId = startingHistoryId(email);
    this.floor = this.historyId;
    this.history = []; // { id, message: { id, threadId, labelIds } }, oldest first
  }

  // Adds (or replaces, by id) messages; each gets its own new history record.
  add(messages) {
    for (const message of messages) {
      this.historyId += 1;
      message.historyId = this.historyId;
      this.messages.delete(message.id);
      this.messages.set(message.id, message);
      this.history.push({
        id: this.historyId,
        message: { id: message.id, threadId: message.threadId, labelIds: [...message.labelIds] },
      });
    }
    return this.historyId;
  }

  get(id) {
    return this.messages.get(id) ?? null;
  }

  setFloor(floor) {
    this.floor = floor;
    this.history = this.history.filter((h) => h.id > floor);
  }

  profile() {
    const threads = new Set([...this.messages.values()].map((m) => m.threadId));
    return {
      emailAddress: this.email,
      messagesTotal: this.messages.size,
      threadsTotal: threads.size,
      historyId: String(this.historyId),
    };
  }

  describe() {
    return {
      email: this.email,
      historyId: String(this.historyId),
      floor: String(this.floor),
      messagesTotal: this.messages.size,
      messages: sortNewestFirst([...this.messages.values()]).map((m) => ({
        id: m.id,
        threadId: m.threadId,
        labelIds: m.labelIds,
        historyId: String(m.historyId),
        internalDate: String(m.internalDate),
        from: m.from,
        subject: m.subject,
        sizeEstimate: m.raw.length,
      })),
    };
  }
}

// ---- search ---------------------------------------------------------------------

// Parses a Gmail search string into a tree of and / or / not / term nodes.
// Terms are separated by spaces (and), `OR` (or `|`) joins the terms beside
// it, `-` negates, ( ) groups, { } is a group of alternatives, and
// `op:( … )` / `op:{ … }` applies op to every term inside.
export function parseQuery(q) {
  let i = 0;
  const skipSpace = () => {
    while (i < q.length && /\s/.test(q[i])) i += 1;
  };
  const atOr = () => (q.startsWith('OR', i) && (i + 2 === q.length || /[\s({"-]/.test(q[i + 2]))) || q[i] === '|';

  function sequence(op, closer) {
    const items = [];
    for (;;) {
      skipSpace();
      if (i >= q.length) break;
      if (q[i] === closer) {
        i += 1;
        break;
      }
      if (q[i] === ')' || q[i] === '}' || atOr()) {
        i += q[i] === 'O' ? 2 : 1; // a stray closer or OR
        continue;
      }
      items.push(alternatives(op, closer));
    }
    return { type: 'and', items };
  }

  function alternatives(op, closer) {
    const items = [unary(op)];
    for (;;) {
      const mark = i;
      skipSpace();
      if (i < q.length && atOr()) {
        i += q[i] === '|' ? 1 : 2;
        skipSpace();
        if (i >= q.length || q[i] === closer) break;
        items.push(unary(op));
      } else {
        i = mark;
        break;
      }
    }
    return items.length === 1 ? items[0] : { type: 'or', items };
  }

  function unary(op) {
    if (q[i] === '-') {
      i += 1;
      return { type: 'not', item: unary(op) };
    }
    return primary(op);
  }

  function group(op) {
    const open = q[i];
    i += 1;
    const inner = sequence(op, open === '(' ? ')' : '}');
    return open === '{' ? { type: 'or', items: inner.items } : inner;
  }

  function primary(defaultOp) {
    if (q[i] === '(' || q[i] === '{') return group(defaultOp);
    let op = defaultOp;
    const named = /^([A-Za-z_]+):/.exec(q.slice(i));
    if (named) {
      op = named[1].toLowerCase();
      i += named[0].length;
      if (q[i] === '(' || q[i] === '{') return group(op);
    }
    let value;
    if (q[i] === '"') {
      const end = q.indexOf('"', i + 1);
      value = q.slice(i + 1, end < 0 ? q.length : end);
      i = end < 0 ? q.length : end + 1;
    } else {
      const start = i;
      while (i < q.length && !/[\s(){}"]/.test(q[i])) i += 1;
      value = q.slice(start, i);
    }
    if (value === '') return { type: 'and', items: [] };
    return { type: 'term', op, value: value.toLowerCase() };
  }

  return sequence(undefined, null);
}

// after:/before: take YYYY/MM/DD (or YYYY-MM-DD, midnight UTC) or epoch seconds.
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

function domainOf(address) {
  return address.slice(address.lastIndexOf('@') + 1);
}

// from:/to: an address matches that exact address; a domain (or @domain)
// matches every address in it and its subdomains; a word matches anywhere in
// the header (display name included).
function addressMatches(header, addresses, value) {
  if (value.startsWith('@') || (!value.includes('@') && value.includes('.'))) {
    const domain = value.replace(/^@/, '').replace(/\.$/, '');
    return addresses.some((a) => domainOf(a) === domain || domainOf(a).endsWith(`.${domain}`));
  }
  if (value.includes('@')) return addresses.includes(value);
  return header.toLowerCase().includes(value);
}

function termMatches(message, { op, value }, now) {
  const has = (text) => text.toLowerCase().includes(value);
  switch (op) {
    case undefined:
      return has(message.from) || has(message.subject) || has(message.text);
    case 'from':
      return addressMatches(message.from, message.fromAddresses, value);
    case 'to':
      return addressMatches(message.to, message.toAddresses, value);
    case 'subject':
      return has(message.subject);
    case 'rfc822msgid':
      return message.messageIdHeader === value.replace(/^<|>$/g, '');
    case 'after':
      return message.internalDate >= parseDay(value);
    case 'before':
      return message.internalDate < parseDay(value);
    case 'newer_than':
      return message.internalDate >= now - parseAge(value);
    case 'older_than':
      return message.internalDate < now - parseAge(value);
    case 'label':
    case 'in':
      if (value === 'anywhere') return true;
      return message.labelIds.some((l) => l.toLowerCase() === value);
    default:
      return true; // operators the fake does not model (is:, has:, category:...) match everything
  }
}

function nodeMatches(message, node, now) {
  switch (node.type) {
    case 'and':
      return node.items.every((n) => nodeMatches(message, n, now));
    case 'or':
      return node.items.some((n) => nodeMatches(message, n, now));
    case 'not':
      return !nodeMatches(message, node.item, now);
    default:
      return termMatches(message, node, now);
  }
}

// Newest first; among messages received at the same time, the last added first.
function sortNewestFirst(messages) {
  return messages.sort((a, b) => b.internalDate - a.internalDate || b.historyId - a.historyId);
}

function mentionsSpamOrTrash(node) {
  if (node.type === 'term') return ['in', 'label'].includes(node.op) && ['spam', 'trash', 'anywhere'].includes(node.value);
  return (node.items ?? [node.item]).some(mentionsSpamOrTrash);
}

// Messages matching `q` (and carrying every label of `labelIds`), newest first,
// as Gmail lists them: without SPAM and TRASH unless asked for.
export function searchMessages(messages, { q = '', labelIds = [], includeSpamTrash = false } = {}, now = Date.now()) {
  const tree = parseQuery(q);
  const spamTrashOk = includeSpamTrash || mentionsSpamOrTrash(tree) || labelIds.some((l) => ['SPAM', 'TRASH'].includes(l));
  return sortNewestFirst(
    [...messages].filter(
      (m) =>
        (spamTrashOk || !m.labelIds.some((l) => l === 'SPAM' || l === 'TRASH')) &&
        labelIds.every((l) => m.labelIds.includes(l)) &&
        nodeMatches(m, tree, now),
    ),
  );
}

// ---- paging ---------------------------------------------------------------------

function pageSize(query) {
  if (query.maxResults === undefined) return { size: DEFAULT_PAGE };
  const size = Number(query.maxResults);
  if (!/^\d+$/.test(query.maxResults) || size < 1) return { error: invalidArgument(`Invalid value for maxResults: ${query.maxResults}`) };
  return { size: Math.min(size, MAX_PAGE) };
}

function encodeToken(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeToken(token, check) {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return check(value) ? value : null;
  } catch {
    return null;
  }
}

const isCursor = (v) => Array.isArray(v) && v.length === 2 && v.every(Number.isSafeInteger);

// users.messages.list response. Like Gmail, `messages` is absent when nothing
// matches. Page tokens point after the last message of their page, so mail
// added between two pages does not shift the later pages.
export function listResponse(matches, query) {
  const { size, error } = pageSize(query);
  if (error) return { error };
  let rest = matches;
  if (query.pageToken !== undefined) {
    const cursor = decodeToken(query.pageToken, isCursor);
    if (!cursor) return { error: invalidArgument('Invalid pageToken') };
    const [date, historyId] = cursor;
    rest = matches.filter((m) => m.internalDate < date || (m.internalDate === date && m.historyId < historyId));
  }
  const page = rest.slice(0, size);
  const body = {};
  if (page.length > 0) body.messages = page.map((m) => ({ id: m.id, threadId: m.threadId }));
  if (rest.length > size) {
    const last = page[page.length - 1];
    body.nextPageToken = encodeToken([last.internalDate, last.historyId]);
  }
  body.resultSizeEstimate = matches.length;
  return { body };
}

// users.history.list response: the messageAdded records after startHistoryId.
// Returns { body } or { status, error }.
export function historyResponse(mailbox, query) {
  const fail = (status, error) => ({ status, error });
  if (query.startHistoryId === undefined || query.startHistoryId === '') {
    return fail(400, requiredParameter('startHistoryId'));
  }
  if (!/^\d{1,19}$/.test(query.startHistoryId)) {
    return fail(400, invalidArgument(`Invalid value at 'start_history_id' (TYPE_UINT64), "${query.startHistoryId}"`));
  }
  const start = Number(query.startHistoryId);
  const types = [].concat(query.historyTypes ?? []);
  const badType = types.find((t) => !HISTORY_TYPES.includes(t));
  if (badType !== undefined) return fail(400, invalidArgument(`Invalid value at 'history_types' (type.googleapis.com/google.apps.gmail.v1.ListHistoryRequest.HistoryTypes), "${badType}"`));
  const { size, error } = pageSize(query);
  if (error) return fail(400, error);
  let after = start;
  if (query.pageToken !== undefined) {
    const cursor = decodeToken(query.pageToken, Number.isSafeInteger);
    if (cursor === null) return fail(400, invalidArgument('Invalid pageToken'));
    after = Math.max(after, cursor);
  }
  if (start < mailbox.floor) return fail(404, GMAIL_NOT_FOUND);

  const records =
    types.length > 0 && !types.includes('messageAdded')
      ? []
      : mailbox.history.filter((h) => h.id > after);
  const page = records.slice(0, size);
  const body = {};
  if (page.length > 0) {
    body.history = page.map((h) => ({
      id: String(h.id),
      messages: [{ id: h.message.id, threadId: h.message.threadId }],
      messagesAdded: [{ message: { id: h.message.id, threadId: h.message.threadId, labelIds: h.message.labelIds } }],
    }));
  }
  if (records.length > size) body.nextPageToken = encodeToken(page[page.length - 1].id);
  body.historyId = String(mailbox.historyId);
  return { body };
}

// ---- message resources ----------------------------------------------------------

function escapeSnippet(text) {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

function decodedHeaders(headers) {
  return headers.map((h) => ({ name: h.name, value: decodeWords(h.value) }));
}

// users.messages.get response for the two formats mailconnect asks for: raw (the message) and
// metadata (chosen headers). Any other format is refused (null).
export function messageResource(message, format, metadataHeaders = []) {
  const resource = {
    id: message.id,
    threadId: message.threadId,
    labelIds: message.labelIds,
    snippet: escapeSnippet(message.text.replace(/\s+/g, ' ').trim().slice(0, 200)),
    historyId: String(message.historyId),
    internalDate: String(message.internalDate),
    sizeEstimate: message.raw.length,
  };
  switch (format) {
    case 'metadata': {
      const wanted = metadataHeaders.map((h) => h.toLowerCase());
      const headers = decodedHeaders(message.root.headers);
      resource.payload = {
        mimeType: message.root.contentType.type,
        headers: wanted.length ? headers.filter((h) => wanted.includes(h.name.toLowerCase())) : headers,
      };
      return resource;
    }
    case 'raw':
      resource.raw = base64urlPadded(message.raw);
      return resource;
    default:
      return null;
  }
}
