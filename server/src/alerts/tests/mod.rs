//! Tests of [`classify`](super::classify) on whole mails: every layout, the sender and
//! authenticity rules, and a property test that no input makes it panic. Helpers here rewrite
//! headers of the fixtures to build the variants.

mod auth;
mod bombs;
mod corpus;
mod fuzz;
mod senders;
mod variants;

use super::fixtures;

/// A fixture by file name.
pub(super) fn fixture(name: &str) -> &'static [u8] {
    fixtures::get(name).unwrap_or_else(|| panic!("no fixture {name}"))
}

/// Byte range `(start, end)` of the first top-level header called `name` (end includes the
/// CRLF of its last continuation line), or `None`.
fn header_span(raw: &[u8], name: &str) -> Option<(usize, usize)> {
    let head_end = find(raw, b"\r\n\r\n", 0)? + 2;
    let prefix = format!("{name}:").to_ascii_lowercase();
    let mut pos = 0;
    while pos < head_end {
        let line_end = find(raw, b"\r\n", pos)? + 2;
        let is_it = raw[pos..line_end]
            .to_ascii_lowercase()
            .starts_with(prefix.as_bytes());
        if is_it {
            let mut end = line_end;
            while end < head_end && matches!(raw[end], b' ' | b'\t') {
                end = find(raw, b"\r\n", end)? + 2;
            }
            return Some((pos, end));
        }
        pos = line_end;
    }
    None
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Replaces the first top-level header `name` by `lines` (without the final CRLF; several
/// headers may be given separated by CRLF). An empty `lines` removes it.
pub(super) fn with_header(raw: &[u8], name: &str, lines: &str) -> Vec<u8> {
    let (start, end) = header_span(raw, name).unwrap_or_else(|| panic!("no {name} header"));
    let mut out = raw[..start].to_vec();
    if !lines.is_empty() {
        out.extend_from_slice(lines.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(&raw[end..]);
    out
}

/// Inserts header lines just before the first top-level header `before`.
pub(super) fn insert_before(raw: &[u8], before: &str, lines: &str) -> Vec<u8> {
    let (start, _) = header_span(raw, before).unwrap_or_else(|| panic!("no {before} header"));
    let mut out = raw[..start].to_vec();
    out.extend_from_slice(lines.as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&raw[start..]);
    out
}

/// Replaces every occurrence of `old` by `new` in the raw bytes.
pub(super) fn replace_all(raw: &[u8], old: &str, new: &str) -> Vec<u8> {
    let text = String::from_utf8(raw.to_vec()).expect("fixtures are ASCII");
    assert!(text.contains(old), "{old:?} not in fixture");
    text.replace(old, new).into_bytes()
}

#[test]
fn helpers_rewrite_headers() {
    let raw = b"A: 1\r\nFrom: x\r\n  y\r\nB: 2\r\n\r\nFrom: body\r\n";
    assert_eq!(header_span(raw, "from"), Some((6, 20)));
    assert_eq!(
        with_header(raw, "From", "From: z"),
        b"A: 1\r\nFrom: z\r\nB: 2\r\n\r\nFrom: body\r\n"
    );
    assert_eq!(header_span(raw, "C"), None);
}

#[test]
fn every_fixture_is_crlf_and_listed_once() {
    let mut names: Vec<&str> = fixtures::ALL.iter().map(|f| f.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), fixtures::ALL.len());
    for f in fixtures::ALL {
        let bare_lf = f
            .raw
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'\n' && (i == 0 || f.raw[i - 1] != b'\r'));
        assert!(!bare_lf, "{} has a bare LF", f.name);
        assert!(f.raw.is_ascii(), "{} is not 7-bit", f.name);
    }
}
