//! Is a bank alert addressed to the mailbox it was found in? An alert someone else received,
//! forwarded intact or re-sent (redirected) into this mailbox, keeps its bank's signature and
//! passes every other check, yet it is that person's transaction, not this mailbox owner's.
//!
//! The header's `To` and `Cc` fields must name the mailbox (Gmail addresses compared as Gmail
//! delivers them: dots and a `+tag` in the local part do not matter, `googlemail.com` is
//! `gmail.com`; other addresses without their `+tag`). A bank that names no recipient at all
//! (`undisclosed-recipients:;`, a blind copy) is taken at its word: the mail service delivered it
//! here. A mail carrying `Resent-*` fields was re-sent by someone and never counts.

use memchr::memchr;

/// Whom an alert is addressed to, as far as this mailbox is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressee {
    /// `To` or `Cc` names the mailbox.
    Mailbox,
    /// No recipient is named (a blind copy).
    Undisclosed,
    /// Recipients are named, and the mailbox is not one of them.
    Elsewhere,
    /// Someone re-sent it (`Resent-From`, `Resent-To`, …).
    Resent,
}

/// Whom `header` (a message's header block) addresses, for the mailbox `mailbox`.
pub fn addressee(header: &[u8], mailbox: &str) -> Addressee {
    let Some(mailbox) = normalized(mailbox) else {
        return Addressee::Elsewhere;
    };
    let mut named = false;
    for (name, value) in fields(header) {
        if name.len() > 7 && name[..7].eq_ignore_ascii_case(b"resent-") {
            return Addressee::Resent;
        }
        if !(name.eq_ignore_ascii_case(b"to") || name.eq_ignore_ascii_case(b"cc")) {
            continue;
        }
        let value = String::from_utf8_lossy(&value);
        for word in value
            .split(|c: char| {
                c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';' | ':' | '"' | '(' | ')')
            })
            .filter(|word| word.contains('@'))
        {
            named = true;
            if normalized(word).is_some_and(|address| address == mailbox) {
                return Addressee::Mailbox;
            }
        }
    }
    if named {
        Addressee::Elsewhere
    } else {
        Addressee::Undisclosed
    }
}

/// An address as its mailbox receives it: lower case, without a `+tag`, and for Gmail
/// without dots in the local part and with `gmail.com` for `googlemail.com`.
fn normalized(address: &str) -> Option<String> {
    let (local, domain) = address.trim().rsplit_once('@')?;
    let (local, domain) = (local.to_lowercase(), domain.to_lowercase());
    let local = local.split('+').next().unwrap_or_default();
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    Some(match domain.as_str() {
        "gmail.com" | "googlemail.com" => format!("{}@gmail.com", local.replace('.', "")),
        _ => format!("{local}@{domain}"),
    })
}

/// The header's top-level fields as (name, unfolded value).
fn fields(header: &[u8]) -> Vec<(&[u8], Vec<u8>)> {
    let mut out: Vec<(&[u8], Vec<u8>)> = Vec::new();
    let mut start = 0;
    while start < header.len() {
        let end = memchr(b'\n', &header[start..]).map_or(header.len(), |i| start + i + 1);
        let line = &header[start..end];
        start = end;
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if content.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            if let Some((_, value)) = out.last_mut() {
                value.extend_from_slice(content);
            }
            continue;
        }
        if let Some(colon) = memchr(b':', content) {
            out.push((content[..colon].trim_ascii(), content[colon + 1..].to_vec()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(header: &str, mailbox: &str) -> Addressee {
        addressee(header.as_bytes(), mailbox)
    }

    #[test]
    fn the_mailbox_must_be_named() {
        let header = "From: BAC <notificacion@baccredomatic.cr>\r\nTo: ana.mora@gmail.com\r\n";
        assert_eq!(of(header, "ana.mora@gmail.com"), Addressee::Mailbox);
        assert_eq!(of(header, "AnaMora@googlemail.com"), Addressee::Mailbox);
        assert_eq!(of(header, "eva@gmail.com"), Addressee::Elsewhere);
        let tagged = "To: \"Ana\" <ana+bancos@outlook.com>\r\n";
        assert_eq!(of(tagged, "Ana@Outlook.com"), Addressee::Mailbox);
        // Dots count outside Gmail.
        assert_eq!(
            of("To: a.na@outlook.com\r\n", "ana@outlook.com"),
            Addressee::Elsewhere
        );
    }

    #[test]
    fn a_copy_folded_or_in_a_list_counts() {
        let header =
            "To: Eva <eva@example.com>,\r\n Otro <otro@example.com>\r\nCc:\r\n\tana@gmail.com\r\n";
        assert_eq!(of(header, "ana@gmail.com"), Addressee::Mailbox);
    }

    #[test]
    fn no_recipient_is_a_blind_copy_and_re_sent_mail_never_counts() {
        assert_eq!(
            of("To: undisclosed-recipients:;\r\n", "ana@gmail.com"),
            Addressee::Undisclosed
        );
        assert_eq!(
            of("Subject: hola\r\n", "ana@gmail.com"),
            Addressee::Undisclosed
        );
        let resent = "Resent-From: eva@example.com\r\nTo: ana@gmail.com\r\n";
        assert_eq!(of(resent, "ana@gmail.com"), Addressee::Resent);
    }
}
