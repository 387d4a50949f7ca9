//! Bank alerts: recognise the banks' notification mails, prove they are genuine, and read the
//! transactions out of them. Pure code: bytes in, [`Outcome`] out; no I/O, no async.
//!
//! [`classify`] takes one raw RFC 5322 message, as Gmail's `format=raw` (or Graph's `$value`)
//! returns it, and decides
//! in this order:
//!
//! 1. **Sender**, from the parsed From header only. It must hold exactly one mailbox whose
//!    address is one of the table's addresses (ignoring case) or lies in a bank domain (the
//!    domain itself or a dot-bounded subdomain). Display names, `Sender` and `Reply-To` count
//!    for nothing. A From header that *imitates* a bank — a bank domain in the display name or
//!    local part, a second mailbox or second From header next to a bank one, a bank domain as a
//!    prefix (`bancobcr.com.evil.io`) or suffix (`notbancobcr.com`), a trailing dot, look-alike
//!    characters (Cyrillic `о`, full-width letters, zero-width characters), or a domain within
//!    two edits of a bank's (`bancobrc.com`) — is [`Rejection::SpoofedSender`]. Anything else
//!    is [`Outcome::NotBank`], including other mailboxes of bank-owned domains that are not
//!    alert senders. Look-alikes that none of these rules catch (e.g. punycode domains) end up
//!    as `NotBank`: either way they never become transactions.
//! 2. **Authenticity**, for bank senders only: the mail service's topmost
//!    `Authentication-Results` header (authserv-id `mx.google.com` for Gmail, the configured
//!    one for Outlook) must report `dmarc=pass` for the From domain or
//!    `dkim=pass` for it or a parent domain; otherwise [`Rejection::NotAuthenticated`]. See
//!    `authenticity.rs`.
//! 3. **Format**, from the one table in `banks/mod.rs` (bank, exact sender addresses, subject,
//!    extractor). One-time codes are [`Ignored::OneTimeCode`]; other bank mail that fits no row
//!    is [`Ignored::Marketing`].
//! 4. **Extraction**. A mail yields all of its transactions or none: any field that cannot be
//!    read without guessing (an ambiguous amount such as `1,234`, an unknown status or
//!    currency, a missing date) makes it [`Outcome::Unparsed`] with the reason.
//!
//! Amounts are exact integer minor units ([`Money`]); times are Costa Rica time (UTC−6, no
//! daylight saving) converted to UTC.
//!
//! Codemap: `message.rs` (MIME), `html.rs` and `doc.rs` (body as rows of cells), `sender.rs`,
//! `authenticity.rs`, `amount.rs`, `when.rs` (dates), `banks/` (the table and one extractor
//! per layout), `fixtures.rs` (sample mails for tests, benchmarks and demos).

mod amount;
mod authenticity;
mod banks;
mod doc;
pub mod fixtures;
mod html;
mod message;
mod model;
mod sender;
mod text;
mod when;

#[cfg(test)]
mod tests;

pub use model::{Bank, Currency, Ignored, Kind, Money, Outcome, Rejection, Transaction};

use message::Mail;
use sender::Sender;

/// Whose `Authentication-Results` count in a mailbox: its mail service's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdicts<'a> {
    /// The authserv-id the service writes on what it receives.
    pub authserv_id: &'a str,
    /// Whether the service may also write its verdict without an authserv-id (Exchange Online
    /// does); such a header counts only as the topmost one.
    pub unnamed_topmost: bool,
}

/// Gmail's: `mx.google.com`, always named.
pub const GMAIL_VERDICTS: Verdicts<'static> = Verdicts {
    authserv_id: "mx.google.com",
    unnamed_topmost: false,
};

/// Classifies one raw message from a Gmail mailbox and extracts its transactions. Never panics.
pub fn classify(raw: &[u8]) -> Outcome {
    classify_received_by(raw, GMAIL_VERDICTS)
}

/// Classifies one raw message from a mailbox whose service writes `verdicts` (Outlook's, for
/// an Outlook mailbox). Never panics.
pub fn classify_received_by(raw: &[u8], verdicts: Verdicts<'_>) -> Outcome {
    let Some(mail) = Mail::parse(raw) else {
        return Outcome::NotBank;
    };
    let (address, domain) = match sender::check(&mail.sender_field()) {
        Sender::NotBank => return Outcome::NotBank,
        Sender::Spoofed => return Outcome::Rejected(Rejection::SpoofedSender),
        Sender::Bank {
            address, domain, ..
        } => (address, domain),
    };
    if !authenticity::is_authentic(mail.authentication_results(), verdicts, &domain) {
        return Outcome::Rejected(Rejection::NotAuthenticated);
    }
    banks::read(&address, &mail)
}

/// Every exact bank sender address, as the banks write them.
pub fn sender_addresses() -> impl Iterator<Item = &'static str> {
    banks::FORMATS
        .iter()
        .flat_map(|f| f.senders.iter().copied())
}

/// Every domain accepted as a bank's (with its subdomains).
pub fn bank_domains() -> impl Iterator<Item = &'static str> {
    banks::DOMAINS.iter().map(|&(d, _)| d)
}

/// Whether a listed message's sender address could be a bank's: one of the table's addresses
/// or an address in a bank domain. What a list without Gmail's search keeps for [`classify`];
/// like the query below, it lets spoofs through for `classify` to sort out.
pub fn may_be_bank_sender(address: &str) -> bool {
    let address = address.trim();
    if sender_addresses().any(|a| a.eq_ignore_ascii_case(address)) {
        return true;
    }
    address
        .rsplit_once('@')
        .is_some_and(|(_, domain)| bank_domains().any(|b| sender::is_same_or_subdomain(domain, b)))
}

/// A Gmail search query that finds every mail [`classify`] could accept:
/// `from:(a@x OR b@y OR x.com …)`. It also finds spoofs; `classify` sorts those out.
pub fn gmail_query() -> String {
    let mut terms: Vec<&str> = sender_addresses()
        .filter(|a| {
            a.split_once('@')
                .is_none_or(|(_, d)| !bank_domains().any(|b| sender::is_same_or_subdomain(d, b)))
        })
        .collect();
    terms.extend(bank_domains());
    format!("from:({})", terms.join(" OR "))
}
