//! A cheap look at a message's shape before anything parses it. Anyone can put a mail in their
//! own mailbox with a bank's address in From, so a mail is hostile until proven otherwise: one
//! built to exhaust a parser (thousands of nested `message/rfc822` parts, deep multipart
//! nesting, endless boundaries, a megabyte-long header line) must be refused here, in one
//! linear pass without recursion, instead of reaching `mail-parser`.
//!
//! The limits are far above anything a bank sends (an alert is a few tens of kilobytes, one or
//! two levels of multipart, short lines) and far below what would hurt.

use std::fmt;

use memchr::{memchr, memmem};

/// The largest message read at all (the mail services' fetches stop here too).
pub const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;
/// The largest top-level header block.
pub const MAX_HEADER_BYTES: usize = 256 * 1024;
/// The longest line, in the header or the body.
pub const MAX_LINE_BYTES: usize = 128 * 1024;
/// The most containers (multipart or message parts) a message may declare: a bound on its
/// nesting depth. Bank alerts use one to three.
pub const MAX_CONTAINERS: usize = 8;
/// The most part delimiters a message may hold. Bank alerts have a handful.
pub const MAX_PARTS: usize = 300;

/// Why a message was refused before parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    TooLarge,
    HeaderTooLarge,
    LineTooLong,
    TooDeep,
    TooManyParts,
    /// Took longer than its time budget to classify.
    TooSlow,
    /// The classifier stopped (the process ended) while reading it; never tried again.
    Interrupted,
}

impl Refusal {
    pub const ALL: [Refusal; 7] = [
        Refusal::TooLarge,
        Refusal::HeaderTooLarge,
        Refusal::LineTooLong,
        Refusal::TooDeep,
        Refusal::TooManyParts,
        Refusal::TooSlow,
        Refusal::Interrupted,
    ];

    /// Stable code for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::TooLarge => "too_large",
            Refusal::HeaderTooLarge => "header_too_large",
            Refusal::LineTooLong => "line_too_long",
            Refusal::TooDeep => "too_deep",
            Refusal::TooManyParts => "too_many_parts",
            Refusal::TooSlow => "too_slow",
            Refusal::Interrupted => "interrupted",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::TooLarge => "the message is over 10 MiB",
            Refusal::HeaderTooLarge => "the message's header is over 256 KiB",
            Refusal::LineTooLong => "a line of the message is over 128 KiB",
            Refusal::TooDeep => "the message nests more than 8 multipart or message parts",
            Refusal::TooManyParts => "the message has more than 300 parts",
            Refusal::TooSlow => "the message took too long to read",
            Refusal::Interrupted => "reading the message was interrupted; it is not tried again",
        })
    }
}

/// The top-level header block (without the blank line that ends it), or the whole message
/// when it has no body. Refused when too large or when a line is too long.
pub(crate) fn header_block(raw: &[u8]) -> Result<&[u8], Refusal> {
    if raw.len() > MAX_MESSAGE_BYTES {
        return Err(Refusal::TooLarge);
    }
    let mut start = 0;
    while start < raw.len() {
        let end = memchr(b'\n', &raw[start..]).map_or(raw.len(), |i| start + i + 1);
        let line = &raw[start..end];
        if line.len() > MAX_LINE_BYTES {
            return Err(Refusal::LineTooLong);
        }
        if line == b"\r\n" || line == b"\n" {
            return checked_header(&raw[..start]);
        }
        if end > MAX_HEADER_BYTES {
            return Err(Refusal::HeaderTooLarge);
        }
        start = end;
    }
    checked_header(raw)
}

fn checked_header(header: &[u8]) -> Result<&[u8], Refusal> {
    if header.len() > MAX_HEADER_BYTES {
        return Err(Refusal::HeaderTooLarge);
    }
    Ok(header)
}

/// The top-level `From` fields of a header block, each with its continuation lines: all the
/// sender check needs, so only these few bytes are parsed for mail that is no bank's.
pub(crate) fn from_fields(header: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut in_from = false;
    let mut start = 0;
    while start < header.len() {
        let end = memchr(b'\n', &header[start..]).map_or(header.len(), |i| start + i + 1);
        let line = &header[start..end];
        start = end;
        let folded = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !folded {
            in_from = memchr(b':', line)
                .is_some_and(|colon| trim_end(&line[..colon]).eq_ignore_ascii_case(b"from"));
        }
        if in_from {
            out.extend_from_slice(line);
        }
    }
    if !out.ends_with(b"\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Checks the whole message's shape, after [`header_block`] passed: size, line lengths, how
/// many containers it declares and how many part delimiters it holds.
pub(crate) fn check(raw: &[u8]) -> Result<(), Refusal> {
    if raw.len() > MAX_MESSAGE_BYTES {
        return Err(Refusal::TooLarge);
    }
    let mut boundaries: Vec<Vec<u8>> = Vec::new();
    let mut containers = 0;
    let mut parts = 0;
    let mut start = 0;
    // A Content-Type field being read (it may continue on folded lines).
    let mut content_type: Option<Vec<u8>> = None;
    while start < raw.len() {
        let end = memchr(b'\n', &raw[start..]).map_or(raw.len(), |i| start + i + 1);
        let line = &raw[start..end];
        start = end;
        if line.len() > MAX_LINE_BYTES {
            return Err(Refusal::LineTooLong);
        }
        let folded = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        match content_type.take() {
            Some(mut field) if folded && field.len() < 4096 => {
                field.extend_from_slice(line);
                content_type = Some(field);
                continue;
            }
            Some(field) => {
                if let Some(boundary) = container(&field) {
                    containers += 1;
                    if containers > MAX_CONTAINERS {
                        return Err(Refusal::TooDeep);
                    }
                    if !boundary.is_empty() {
                        boundaries.push(boundary);
                    }
                }
            }
            None => {}
        }
        if starts_with_ignore_case(line, b"content-type:") {
            content_type = Some(line.to_vec());
        } else if line.starts_with(b"--") && is_delimiter(line, &boundaries) {
            parts += 1;
            if parts > MAX_PARTS {
                return Err(Refusal::TooManyParts);
            }
        }
    }
    if let Some(field) = content_type
        && container(&field).is_some()
        && containers + 1 > MAX_CONTAINERS
    {
        return Err(Refusal::TooDeep);
    }
    Ok(())
}

/// For a Content-Type field that declares a container (`multipart/*`, `message/*`), its
/// boundary (empty for a message part or a multipart without one).
fn container(field: &[u8]) -> Option<Vec<u8>> {
    let lower = field.to_ascii_lowercase();
    let value = &lower["content-type:".len().min(lower.len())..];
    let value = trim_start(value);
    if value.starts_with(b"message/") {
        return Some(Vec::new());
    }
    if !value.starts_with(b"multipart/") {
        return None;
    }
    let at = memmem::find(&lower, b"boundary=")? + "boundary=".len();
    // The boundary keeps its case: read it from the original field.
    let rest = &field[at..];
    let boundary = match rest.first() {
        Some(b'"') => rest[1..].split(|&b| b == b'"').next().unwrap_or_default(),
        _ => rest
            .split(|&b| b == b';' || b.is_ascii_whitespace())
            .next()
            .unwrap_or_default(),
    };
    Some(boundary.to_vec())
}

/// `--boundary` or `--boundary--`, with optional trailing whitespace.
fn is_delimiter(line: &[u8], boundaries: &[Vec<u8>]) -> bool {
    let body = trim_end(&line[2..]);
    boundaries
        .iter()
        .any(|b| body == b.as_slice() || body.strip_suffix(b"--") == Some(b.as_slice()))
}

fn starts_with_ignore_case(line: &[u8], prefix: &[u8]) -> bool {
    line.len() >= prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

fn trim_end(s: &[u8]) -> &[u8] {
    let n = s
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    &s[..s.len() - n]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_shapes_pass_and_containers_are_counted() {
        let mail = b"From: a@b.c\r\nContent-Type: multipart/mixed;\r\n boundary=\"Ab1\"\r\n\r\n\
            --Ab1\r\nContent-Type: multipart/alternative; boundary=Cd2\r\n\r\n--Cd2\r\n\
            Content-Type: text/plain\r\n\r\nhola\r\n--Cd2--\r\n--Ab1--\r\n";
        assert_eq!(check(mail), Ok(()));
        assert_eq!(header_block(mail).map(<[u8]>::len), Ok(62));
        assert_eq!(
            container(b"Content-Type: multipart/mixed; boundary=\"a b\"; x=y"),
            Some(b"a b".to_vec())
        );
        assert_eq!(container(b"content-type: Message/RFC822"), Some(Vec::new()));
        assert_eq!(container(b"Content-Type: text/html"), None);
        assert!(is_delimiter(b"--Ab1--  \r\n", &[b"Ab1".to_vec()]));
        assert!(!is_delimiter(b"--Ab12\r\n", &[b"Ab1".to_vec()]));
    }

    #[test]
    fn from_fields_keep_every_from_with_its_folds_and_nothing_else() {
        let header = b"Received: from x\r\n by y\r\nFROM : A\r\n <a@b.c>\r\nFrom-Not: z\r\n\
            Subject: from: me\r\nfrom: d@e.f";
        assert_eq!(
            from_fields(header),
            b"FROM : A\r\n <a@b.c>\r\nfrom: d@e.f\r\n".to_vec()
        );
    }
}
