// A bank alert moved in time by whole days: its header dates (Date, Received) and every date in
// its text parts, in the layouts the banks write them (30/11/2025, Nov 30, 2025, Ago 3, 2025,
// 21 oct 2026, 27 de Septiembre de 2026), so that the demo's mail is recent mail. Times of day,
// amounts, references and everything else stay as they are; a part whose text changed is
// encoded again in its own transfer encoding, the others keep their bytes.
//
// The message is handled as a Latin-1 string (one character per byte): every date is ASCII, so
// UTF-8 text passes through untouched whatever the part's charset.

import { headerValue, parseContentType, parseHeaderBlock, undoTransferEncoding } from './mime.mjs';

const DAY_MS = 86_400_000;

const MONTHS = [
  'enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio',
  'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre',
];
const SHORT = ['ene', 'feb', 'mar', 'abr', 'may', 'jun', 'jul', 'ago', 'sep', 'oct', 'nov', 'dic'];
// Abbreviations read (Spanish, the English ones the banks also use, and "set"); written Spanish.
const SHORT_READ = new Map([
  ...SHORT.map((name, i) => [name, i]),
  ['jan', 0], ['apr', 3], ['aug', 7], ['set', 8], ['dec', 11],
]);
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const HEADER_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n) => String(n).padStart(2, '0');

// The calendar day `days` after year/month (0-based)/day.
function addDays(year, month, day, days) {
  const moved = new Date(Date.UTC(year, month, day) + days * DAY_MS);
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth(), day: moved.getUTCDate() };
}

// `name` written the way `like` is: NOV, Nov or nov.
function styled(name, like) {
  if (like === like.toUpperCase()) return name.toUpperCase();
  if (like[0] === like[0].toUpperCase()) return name[0].toUpperCase() + name.slice(1);
  return name;
}

// A day number as wide as the one it replaces (05 stays two digits, 5 one).
const dayLike = (day, like) => (like.length === 2 && like[0] === '0' ? pad2(day) : String(day));

// The layouts of a date in the banks' text: how to find one, read it (year, month from 0, day)
// and write another in its place, in the same style.
const LAYOUTS = [
  {
    // 30/11/2025
    pattern: /\b(\d{2})\/(\d{2})\/(\d{4})\b/g,
    read: ([, d, m, y]) => ({ year: +y, month: +m - 1, day: +d }),
    write: (to) => `${pad2(to.day)}/${pad2(to.month + 1)}/${to.year}`,
  },
  {
    // Nov 30, 2025 · Ago 3, 2025 · Ago 14, 2026 , 12:58
    pattern: /\b([A-Za-z]{3})(\.?\s+)(\d{1,2})(\s*,\s*)(\d{4})\b/g,
    read: ([, mon, , d, , y]) => ({ year: +y, month: SHORT_READ.get(mon.toLowerCase()), day: +d }),
    write: (to, [, mon, sep1, d, sep2]) => `${styled(SHORT[to.month], mon)}${sep1}${dayLike(to.day, d)}${sep2}${to.year}`,
  },
  {
    // 21 oct 2026
    pattern: /\b(\d{1,2})(\s+)([A-Za-z]{3})(\.?\s+)(\d{4})\b/g,
    read: ([, d, , mon, , y]) => ({ year: +y, month: SHORT_READ.get(mon.toLowerCase()), day: +d }),
    write: (to, [, d, sep1, mon, sep2]) => `${dayLike(to.day, d)}${sep1}${styled(SHORT[to.month], mon)}${sep2}${to.year}`,
  },
  {
    // 27 de Septiembre de 2026
    pattern: /\b(\d{1,2})(\s+de\s+)([A-Za-z]+)(\s+de\s+)(\d{4})\b/gi,
    read: ([, d, , mon, , y]) => {
      const month = MONTHS.indexOf(mon.toLowerCase());
      return { year: +y, month: month < 0 ? undefined : month, day: +d };
    },
    write: (to, [, d, sep1, mon, sep2]) => `${dayLike(to.day, d)}${sep1}${styled(MONTHS[to.month], mon)}${sep2}${to.year}`,
  },
];

// The dates a text gives, as calendar days (UTC midnight), in the order of the layouts.
export function datesIn(text) {
  return LAYOUTS.flatMap(({ pattern, read }) =>
    [...text.matchAll(pattern)]
      .map(read)
      .filter((date) => date.month !== undefined)
      .map((date) => new Date(Date.UTC(date.year, date.month, date.day))),
  );
}

// The dates of a text part, each moved by `days`.
export function redateText(text, days) {
  return LAYOUTS.reduce(
    (moved, { pattern, read, write }) =>
      moved.replace(pattern, (...match) => {
        const date = read(match);
        if (date.month === undefined) return match[0];
        return write(addDays(date.year, date.month, date.day, days), match);
      }),
    text,
  );
}

const HEADER_DATE =
  /\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), +(\d{1,2}) +(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{4}) +(\d{2}):(\d{2}):(\d{2}) +([+-])(\d{2})(\d{2})/g;

// An RFC 5322 date as milliseconds since the epoch and its zone offset in minutes.
function readHeaderDate(match) {
  const [, , d, mon, y, hh, mm, ss, sign, oh, om] = match;
  const offset = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const local = Date.UTC(+y, HEADER_MONTHS.indexOf(mon), +d, +hh, +mm, +ss);
  return { at: local - offset * 60_000, offset };
}

function writeHeaderDate(at, offset) {
  const local = new Date(at + offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  const zone = `${sign}${pad2(Math.floor(Math.abs(offset) / 60))}${pad2(Math.abs(offset) % 60)}`;
  return (
    `${WEEKDAYS[local.getUTCDay()]}, ${pad2(local.getUTCDate())} ${HEADER_MONTHS[local.getUTCMonth()]} ` +
    `${local.getUTCFullYear()} ${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}:` +
    `${pad2(local.getUTCSeconds())} ${zone}`
  );
}

function redateHeaders(headerText, days) {
  return headerText.replace(HEADER_DATE, (...match) => {
    const { at, offset } = readHeaderDate(match);
    return writeHeaderDate(at + days * DAY_MS, offset);
  });
}

function encodeQuotedPrintable(text) {
  return text
    .split('\r\n')
    .map((line) => {
      let encoded = '';
      for (let i = 0; i < line.length; i++) {
        const code = line.charCodeAt(i);
        const last = i === line.length - 1;
        const literal = (code >= 33 && code <= 126 && code !== 61) || ((code === 32 || code === 9) && !last);
        encoded += literal ? line[i] : `=${code.toString(16).toUpperCase().padStart(2, '0')}`;
      }
      // Soft line breaks keep lines within 76 characters, never inside an =XX.
      const lines = [];
      while (encoded.length > 76) {
        let cut = 75;
        const escape = encoded.lastIndexOf('=', cut - 1);
        if (escape > cut - 3) cut = escape;
        lines.push(`${encoded.slice(0, cut)}=`);
        encoded = encoded.slice(cut);
      }
      lines.push(encoded);
      return lines.join('\r\n');
    })
    .join('\r\n');
}

// One MIME entity (headers and body), its dates moved.
function redateEntity(entity, days, depth = 0) {
  const split = /\r?\n\r?\n/.exec(entity);
  if (!split) return redateHeaders(entity, days);
  const headers = entity.slice(0, split.index);
  const separator = split[0];
  const body = entity.slice(split.index + separator.length);
  const newHeaders = redateHeaders(headers, days);
  const fields = parseHeaderBlock(headers);
  const { type, params } = parseContentType(headerValue(fields, 'Content-Type'));
  const boundary = params.boundary;

  if (type.startsWith('multipart/') && boundary && depth < 16) {
    const delimiter = `--${boundary}`;
    const pieces = body.split(delimiter);
    // pieces[0] is the preamble; each later piece starts with the rest of its delimiter line.
    const redated = pieces.map((piece, i) => {
      if (i === 0 || piece.startsWith('--')) return piece;
      const eol = piece.indexOf('\n');
      if (eol < 0) return piece;
      const trailing = /\r?\n$/.exec(piece.slice(eol + 1))?.[0] ?? '';
      const part = piece.slice(eol + 1, piece.length - trailing.length);
      return piece.slice(0, eol + 1) + redateEntity(part, days, depth + 1) + trailing;
    });
    return newHeaders + separator + redated.join(delimiter);
  }
  if (!type.startsWith('text/')) return newHeaders + separator + body;

  const encoding = (headerValue(fields, 'Content-Transfer-Encoding') ?? '7bit').trim().toLowerCase();
  const text = undoTransferEncoding(Buffer.from(body, 'latin1'), encoding).toString('latin1');
  const moved = redateText(text, days);
  if (moved === text) return newHeaders + separator + body;
  let encoded;
  if (encoding === 'quoted-printable') encoded = encodeQuotedPrintable(moved.replace(/\r?\n/g, '\r\n'));
  else if (encoding === 'base64') encoded = Buffer.from(moved, 'latin1').toString('base64').replace(/.{76}/g, '$&\r\n');
  else encoded = moved;
  return newHeaders + separator + encoded;
}

// The message's own date (its Date header) as milliseconds since the epoch and zone offset.
export function messageDate(raw) {
  const text = raw.toString('latin1');
  const end = /\r?\n\r?\n/.exec(text)?.index ?? text.length;
  const field = /^Date:[ \t]*([^\r\n]*)/im.exec(text.slice(0, end));
  const match = field && new RegExp(HEADER_DATE.source).exec(field[1]);
  if (!match) throw new Error('the message has no Date header to move');
  return readHeaderDate(match);
}

// `raw` moved by whole days so that it was sent on the calendar day of `when` (milliseconds),
// as its own time zone counts days; returns the message and its new sending time.
export function redated(raw, when) {
  const { at, offset } = messageDate(raw);
  const day = (ms) => Math.floor((ms + offset * 60_000) / DAY_MS);
  const days = day(when) - day(at);
  const moved = Buffer.from(redateEntity(raw.toString('latin1'), days), 'latin1');
  return { raw: moved, sentAt: at + days * DAY_MS };
}
