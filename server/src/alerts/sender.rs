//! Who sent it, from the parsed From header alone (Sender, Reply-To and display names count for
//! nothing).
//!
//! A bank sender is exactly one From header holding exactly one mailbox whose address is one of
//! the table's addresses (ignoring case), or whose domain is a bank domain or a dot-bounded
//! subdomain of one. Anything else is either [`Sender::Spoofed`], when the From header imitates
//! a bank, or [`Sender::NotBank`]. Imitation means any of:
//! - a bank domain appears anywhere in the header (display name, local part, a second mailbox,
//!   a longer domain such as `bancobcr.com.evil.io` or `notbancobcr.com`, a trailing dot),
//!   after mapping look-alike characters (Cyrillic and Greek letters, full-width forms, `0`/`1`,
//!   zero-width characters, `rn` for `m`) to the letters they imitate, and hyphens to dots;
//! - the domain, or its last labels, is within two edits of a bank domain (`bancobrc.com`).
//!
//! Another mailbox of a domain a bank owns but that is not an alert sender (say
//! `news@scotiabank.com`) is simply not a bank sender.

use super::banks::{DOMAINS, FORMATS};
use super::message::FromField;
use super::model::Bank;
use super::text::fold;

/// The verdict on the From header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sender {
    /// A bank address; `address` and `domain` are lower case.
    Bank {
        bank: Bank,
        address: String,
        domain: String,
    },
    NotBank,
    Spoofed,
}

pub(crate) fn check(from: &FromField) -> Sender {
    let single = match from.mailboxes.as_slice() {
        [only] if from.headers == 1 && !from.grouped => only.address.as_deref(),
        _ => None,
    };
    if let Some((local, domain)) = single.and_then(split_address) {
        if let Some(bank) = bank_of(&local, &domain) {
            return Sender::Bank {
                bank,
                address: format!("{local}@{domain}"),
                domain,
            };
        }
        if known_domains().any(|d| is_same_or_subdomain(&domain, d)) {
            return Sender::NotBank;
        }
    }
    let texts = from
        .mailboxes
        .iter()
        .flat_map(|m| [m.name.as_deref(), m.address.as_deref()])
        .flatten()
        .chain([from.raw.as_str()]);
    for text in texts {
        if imitates_bank(text) {
            return Sender::Spoofed;
        }
    }
    Sender::NotBank
}

/// The bank for a well-formed address, if it is one.
fn bank_of(local: &str, domain: &str) -> Option<Bank> {
    for format in FORMATS {
        for sender in format.senders {
            if let Some((l, d)) = sender.split_once('@')
                && l.eq_ignore_ascii_case(local)
                && d.eq_ignore_ascii_case(domain)
            {
                return Some(format.bank);
            }
        }
    }
    DOMAINS
        .iter()
        .find(|d| is_same_or_subdomain(domain, d.name))
        .map(|d| d.bank)
}

/// Every domain a bank uses: accepted domains and the domains of alert addresses.
fn known_domains() -> impl Iterator<Item = &'static str> {
    DOMAINS.iter().map(|d| d.name).chain(
        FORMATS
            .iter()
            .flat_map(|f| f.senders.iter())
            .filter_map(|s| s.split_once('@').map(|(_, d)| d)),
    )
}

/// `local@domain` in lower case, when the address is plain ASCII with a well-formed host name
/// (no empty label, so no trailing dot).
fn split_address(address: &str) -> Option<(String, String)> {
    let (local, domain) = address.trim().split_once('@')?;
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"(),:;<>@[\\]".contains(&b));
    let domain_ok = domain.split('.').count() >= 2
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    (local_ok && domain_ok).then(|| (local.to_ascii_lowercase(), domain.to_ascii_lowercase()))
}

/// `domain` equals `parent` or ends with `.parent` (both compared ignoring ASCII case).
pub(crate) fn is_same_or_subdomain(domain: &str, parent: &str) -> bool {
    if domain.eq_ignore_ascii_case(parent) {
        return true;
    }
    let (d, p) = (domain.as_bytes(), parent.as_bytes());
    d.len() > p.len()
        && d[d.len() - p.len() - 1] == b'.'
        && d[d.len() - p.len()..].eq_ignore_ascii_case(p)
}

/// Does this text name a bank domain, or something one or two edits away from one?
fn imitates_bank(text: &str) -> bool {
    let skel = skeleton(text);
    let dotted = skel.replace(['-', '_'], ".");
    for known in known_domains() {
        let known_skel = skeleton(known);
        if skel.contains(&known_skel) || dotted.contains(&known_skel) {
            return true;
        }
        // Compare the host part of each address-like word with the same number of labels.
        let labels = known.split('.').count();
        for word in skel.split(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-' || c == '@'))
        {
            let host = word.rsplit('@').next().unwrap_or(word).trim_matches('.');
            let parts: Vec<&str> = host.split('.').collect();
            if parts.len() < labels || host.len() < 6 {
                continue;
            }
            let tail = parts[parts.len() - labels..].join(".");
            if tail != known_skel && edit_distance(&tail, &known_skel) <= 2 {
                return true;
            }
        }
    }
    false
}

/// Maps look-alike characters to the ASCII letter they imitate, drops invisible ones, and
/// folds case and accents, so that `bancоbcr` (Cyrillic о) becomes `bancobcr`.
fn skeleton(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3002}' | '\u{2024}' | '\u{ff61}' => '.',
            _ => c,
        };
        let mapped = match fold(c) {
            '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}' | '\u{ad}' => continue,
            'а' | 'α' => 'a',
            'в' | 'ь' => 'b',
            'с' | 'ϲ' => 'c',
            'ԁ' => 'd',
            'е' | 'ε' => 'e',
            'ɡ' => 'g',
            'һ' | 'н' => 'h',
            'і' | 'ı' | 'ι' | 'ӏ' | '1' | 'i' | '|' | 'l' => 'l',
            'ј' => 'j',
            'κ' | 'к' => 'k',
            'м' => 'm',
            'ո' | 'η' => 'n',
            'о' | 'ο' | '0' | 'σ' => 'o',
            'р' | 'ρ' => 'p',
            'ԛ' => 'q',
            'ѕ' => 's',
            'т' | 'τ' => 't',
            'υ' => 'u',
            'ν' => 'v',
            'ѡ' | 'ω' => 'w',
            'х' | 'χ' => 'x',
            'у' | 'γ' => 'y',
            other => other,
        };
        out.push(mapped);
    }
    out.replace("rn", "m").replace("vv", "w")
}

/// Optimal-string-alignment distance (insertions, deletions, substitutions, transpositions).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 {
        return 3;
    }
    let width = b.len() + 1;
    let mut d = vec![0_usize; (a.len() + 1) * width];
    for (i, row) in d.chunks_mut(width).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(edit_distance("bancobrc.com", "bancobcr.com"), 1);
        assert_eq!(edit_distance("bancobcr.co", "bancobcr.com"), 1);
        assert_eq!(edit_distance("gmail.com", "bancobcr.com"), 3);
        assert!(is_same_or_subdomain("alertas.bancobcr.com", "bancobcr.com"));
        assert!(is_same_or_subdomain("BancoBCR.com", "bancobcr.com"));
        assert!(!is_same_or_subdomain("notbancobcr.com", "bancobcr.com"));
        assert!(!is_same_or_subdomain(
            "bancobcr.com.evil.io",
            "bancobcr.com"
        ));
        assert_eq!(skeleton("bancоbcr.cоm"), skeleton("bancobcr.com"));
        assert_eq!(skeleton("ｂａｎｃｏｂｃｒ.com"), skeleton("bancobcr.com"));
        assert_eq!(split_address("a@bancobcr.com."), None);
        assert_eq!(split_address("a b@bancobcr.com"), None);
        assert_eq!(split_address("@bancobcr.com"), None);
        assert_eq!(split_address("a@localhost"), None);
        assert_eq!(
            split_address("Mensajero@BancoBCR.com"),
            Some(("mensajero".into(), "bancobcr.com".into()))
        );
        assert!(!imitates_bank("Juan Pérez <juan.perez@gmail.com>"));
        assert!(!imitates_bank("Banco BCR <noticias@otrobanco.fi.cr>"));
        assert!(imitates_bank("alertas@bancobcr.co"));
    }
}
