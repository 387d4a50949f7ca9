// Just enough RFC 5322 / MIME reading for the fake Gmail: header fields,
// encoded words, the part tree with transfer encodings undone, the text used
// for search and snippets, and the addresses in From / To.

const CRLF_CRLF = /\r?\n\r?\n/;

function decoderFor(charset) {
  try {
    return new TextDecoder(charset || 'utf-8');
  } catch {
    return new TextDecoder('utf-8');
  }
}

// RFC 2047 encoded words (=?charset?Q|B?text?=), as in Subject or display names.
export function decodeWords(value) {
  return value
    .replace(/(=\?[^?\s]+\?[bq]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[bq]\?[^?\s]*\?=)/gi, '$1')
    .replace(/=\?([^?\s*]+)(?:\*[^?\s]+)?\?([bq])\?([^?\s]*)\?=/gi, (whole, charset, enc, text) => {
      let bytes;
      if (enc.toLowerCase() === 'b') {
        bytes = Buffer.from(text, 'base64');
      } else {
        bytes = Buffer.from(
          text.replaceAll('_', ' ').replace(/=([0-9a-f]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        );
      }
      return decoderFor(charset).decode(bytes);
    });
}

// Header fields in order, unfolded, values as they are in the message (not decoded).
export function parseHeaderBlock(text) {
  const headers = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1].value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return headers;
}

export function headerValue(headers, name) {
  const wanted = name.toLowerCase();
  return headers.find((h) => h.name.toLowerCase() === wanted)?.value;
}

// `text/html; charset="utf-8"` -> { type: 'text/html', params: { charset: 'utf-8' } }
export function parseContentType(value) {
  const [type, ...rest] = (value ?? 'text/plain').split(';');
  const params = {};
  for (const piece of rest) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const key = piece.slice(0, eq).trim().toLowerCase();
    let val = piece.slice(eq + 1).trim();
    if (val.startsWith('"') && val.endsWith('"')) val = val.slice(1, -1).replace(/\\(.)/g, '$1');
    params[key] = val;
  }
  return { type: type.trim().toLowerCase() || 'text/plain', params };
}

function decodeQuotedPrintable(bytes) {
  const text = bytes.toString('latin1').replace(/=\r?\n/g, '');
  return Buffer.from(text.replace(/=([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
}

export function undoTransferEncoding(bytes, encoding) {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(bytes.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(bytes);
    default:
      return bytes;
  }
}

// Header block (read as UTF-8, which RFC 6532 allows) and body bytes.
function splitEntity(bytes) {
  const match = CRLF_CRLF.exec(bytes.toString('latin1')); // one char per byte: indexes are byte offsets
  if (!match) return { headerText: bytes.toString('utf8'), body: Buffer.alloc(0) };
  return {
    headerText: bytes.subarray(0, match.index).toString('utf8'),
    body: bytes.subarray(match.index + match[0].length),
  };
}

// Body parts of a multipart body (preamble and epilogue dropped).
function splitMultipart(body, boundary) {
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  const parts = [];
  let at = text.startsWith(delimiter) ? 0 : text.indexOf(`\n${delimiter}`);
  if (at < 0) return parts;
  if (at > 0) at += 1;
  for (;;) {
    let start = at + delimiter.length;
    if (text.startsWith('--', start)) break; // close delimiter
    const eol = text.indexOf('\n', start);
    if (eol < 0) break;
    start = eol + 1;
    const next = text.indexOf(`\n${delimiter}`, start);
    const end = next < 0 ? text.length : next;
    const partEnd = end > start && text[end - 1] === '\r' ? end - 1 : end;
    parts.push(body.subarray(start, partEnd));
    if (next < 0) break;
    at = next + 1;
  }
  return parts;
}

// One MIME entity: { headers, contentType, filename, body (decoded bytes), parts? }.
export function parseEntity(bytes, depth = 0) {
  const { headerText, body } = splitEntity(bytes);
  const headers = parseHeaderBlock(headerText);
  const contentType = parseContentType(headerValue(headers, 'Content-Type'));
  const disposition = parseContentType(headerValue(headers, 'Content-Disposition') ?? 'inline');
  const filename = decodeWords(disposition.params.filename ?? contentType.params.name ?? '');
  const entity = { headers, contentType, filename, body: Buffer.alloc(0) };
  if (contentType.type.startsWith('multipart/') && contentType.params.boundary && depth < 16) {
    entity.parts = splitMultipart(body, contentType.params.boundary).map((part) => parseEntity(part, depth + 1));
  } else {
    entity.body = undoTransferEncoding(body, headerValue(headers, 'Content-Transfer-Encoding'));
  }
  return entity;
}

export function entityText(entity) {
  return decoderFor(entity.contentType.params.charset).decode(entity.body);
}

const ENTITIES = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', iexcl: '¡', iquest: '¿', copy: '©', reg: '®',
  deg: '°', ordf: 'ª', ordm: 'º', middot: '·', laquo: '«', raquo: '»', euro: '€', hellip: '…', ndash: '–', mdash: '—',
};
// Accented vowels: &aacute; &Eacute; &ouml; ... (Latin-1 code points; capitals are 0x20 lower).
for (const [vowel, grave, uml] of [['a', 0xe0, 0xe4], ['e', 0xe8, 0xeb], ['i', 0xec, 0xef], ['o', 0xf2, 0xf6], ['u', 0xf9, 0xfc]]) {
  const codes = { grave, acute: grave + 1, circ: grave + 2, uml };
  for (const [accent, code] of Object.entries(codes)) {
    ENTITIES[`${vowel}${accent}`] = String.fromCharCode(code);
    ENTITIES[`${vowel.toUpperCase()}${accent}`] = String.fromCharCode(code - 0x20);
  }
}
Object.assign(ENTITIES, { ntilde: 'ñ', Ntilde: 'Ñ', ccedil: 'ç', Ccedil: 'Ç' });

export function htmlToText(html) {
  return html
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name) => {
      if (name[0] === '#') {
        const code = name[1].toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[name] ?? ENTITIES[name.toLowerCase()] ?? whole;
    });
}

// The readable text of a message: its text/plain parts, or else its text/html
// parts without markup.
export function messageText(root) {
  const plain = [];
  const html = [];
  const walk = (entity) => {
    if (entity.parts) return entity.parts.forEach(walk);
    if (entity.filename) return;
    if (entity.contentType.type === 'text/plain') plain.push(entityText(entity));
    else if (entity.contentType.type === 'text/html') html.push(htmlToText(entityText(entity)));
  };
  walk(root);
  return (plain.length ? plain : html).join('\n');
}

// The addresses in an address header (display names, comments and groups left out).
export function addressesIn(value) {
  if (!value) return [];
  const text = value.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\((?:[^()\\]|\\.)*\)/g, ' ');
  const out = [];
  for (const piece of text.split(/[,;]/)) {
    const angle = /<([^<>]*)>\s*$/.exec(piece);
    const candidate = (angle ? angle[1] : piece.replace(/^[^:]*:/, '')).trim().toLowerCase();
    if (/^[^\s@]+@[^\s@]+$/.test(candidate)) out.push(candidate);
  }
  return out;
}
