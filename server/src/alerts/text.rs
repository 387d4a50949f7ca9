//! Small string tools: accent- and case-folding, folded search, whitespace collapsing.
//!
//! Every function here works on `char`s and returns byte offsets that fall on char boundaries,
//! so callers can slice with them without risk.

/// Folds one character for comparison: lower case, no accents, non-breaking space as space.
pub(crate) fn fold(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
        'ñ' | 'Ñ' => 'n',
        'ç' | 'Ç' => 'c',
        '\u{a0}' | '\u{2007}' | '\u{202f}' => ' ',
        _ => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        }
    }
}

/// The folded form of a whole string, with whitespace runs collapsed to one space and trimmed.
pub(crate) fn folded(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars().map(fold) {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// A label in canonical form: folded, trailing colon removed.
pub(crate) fn label_key(s: &str) -> String {
    let mut key = folded(s);
    while key.ends_with(':') {
        key.pop();
    }
    let trimmed = key.trim_end().len();
    key.truncate(trimmed);
    key
}

/// Whether `cell`'s [`label_key`] is `key`, without building it: labels are looked up in every
/// cell of a mail, so this is on the hot path.
pub(crate) fn is_label(cell: &str, key: &str) -> bool {
    let cell = cell.trim_end().trim_end_matches(':').trim_end();
    let mut expected = key.chars();
    let mut space = false;
    for c in cell.chars().map(fold) {
        if c.is_whitespace() {
            // Runs of whitespace are one space, and leading ones none.
            space = true;
            continue;
        }
        if space && expected.as_str().len() < key.len() && expected.next() != Some(' ') {
            return false;
        }
        space = false;
        if expected.next() != Some(c) {
            return false;
        }
    }
    expected.next().is_none()
}

/// Finds `needle` in `hay` at or after byte `from`, comparing folded characters.
/// Returns the byte range of the match in `hay`.
pub(crate) fn find_folded(hay: &str, needle: &str, from: usize) -> Option<(usize, usize)> {
    let rest = hay.get(from..)?;
    let first = needle.chars().next().map(fold)?;
    for (i, c) in rest.char_indices() {
        if fold(c) != first {
            continue;
        }
        if let Some(len) = folded_prefix_len(&rest[i..], needle) {
            return Some((from + i, from + i + len));
        }
    }
    None
}

/// If `s` starts with `prefix` (folded comparison), the byte length of the matching part of `s`.
pub(crate) fn folded_prefix_len(s: &str, prefix: &str) -> Option<usize> {
    let mut chars = s.char_indices();
    let mut end = 0;
    for p in prefix.chars() {
        let (i, c) = chars.next()?;
        if fold(c) != fold(p) {
            return None;
        }
        end = i + c.len_utf8();
    }
    Some(end)
}

/// Collapses whitespace runs (including non-breaking spaces) into one space and trims.
///
/// Every cell of every mail goes through here, so it walks bytes and decodes a `char` only
/// where the text is not ASCII.
pub(crate) fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word_start = None;
    let mut i = 0;
    while i < s.len() {
        let byte = s.as_bytes()[i];
        let (space, len) = if byte.is_ascii() {
            (
                matches!(byte, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' '),
                1,
            )
        } else {
            let c = s[i..].chars().next().unwrap_or_default();
            (c.is_whitespace(), c.len_utf8())
        };
        match (space, word_start) {
            (true, Some(start)) => {
                push_word(&mut out, &s[start..i]);
                word_start = None;
            }
            (false, None) => word_start = Some(i),
            _ => {}
        }
        i += len;
    }
    if let Some(start) = word_start {
        push_word(&mut out, &s[start..]);
    }
    out
}

fn push_word(out: &mut String, word: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
}

/// The leading run of ASCII digits of `s`.
pub(crate) fn leading_digits(s: &str) -> &str {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    &s[..end]
}

/// `s` with `Some` only when it has visible content.
pub(crate) fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_search() {
        assert_eq!(folded("  Tipo de  Transacción: "), "tipo de transaccion:");
        assert_eq!(label_key("Ciudad y país :"), "ciudad y pais");
        let hay = "la transacción realizada en ÑANDÚ, el día 01/02/2025";
        let (s, e) = find_folded(hay, "el dia ", 0).unwrap();
        assert_eq!(&hay[s..e], "el día ");
        assert_eq!(
            find_folded(hay, "NANDU", 0).map(|(s, e)| &hay[s..e]),
            Some("ÑANDÚ")
        );
        assert_eq!(find_folded(hay, "nothing", 0), None);
        assert_eq!(find_folded(hay, "x", 999), None);
        assert_eq!(collapse_ws(" a \u{a0} b\t\r\nc "), "a b c");
        assert_eq!(collapse_ws("\u{2003}año\u{b}é\u{85}"), "año é");
        assert_eq!(collapse_ws(" \u{a0} "), "");
        assert_eq!(leading_digits("123ab"), "123");
    }

    #[test]
    fn is_label_agrees_with_label_key() {
        let cells = [
            "Ciudad y país :",
            "  CIUDAD\u{a0} y  PAIS::",
            "ciudad y pais : :",
            "Ciudad y paísx",
            "Ciudad",
            "",
            " : ",
            "Monto",
            "Monto:",
            "Mon to",
        ];
        for cell in cells {
            for label in cells {
                let key = label_key(label);
                assert_eq!(
                    is_label(cell, &key),
                    label_key(cell) == key,
                    "{cell:?} against {label:?}"
                );
            }
        }
    }
}
