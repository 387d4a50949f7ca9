//! Bank alerts: recognise the banks' notification mails, prove they are genuine, and read the
//! transactions out of them. Pure code: bytes in, [`Outcome`] out; no I/O, no async.
//!
//! [`classify`] takes one raw RFC 5322 message, as Gmail's `format=raw` (or Graph's `$value`)
//! returns it, and decides
//! in this order:
//!
//! 0. **Shape**: the header block is read alone first (mail from no bank goes no further);
//!    a bank sender's mail is then screened in one linear pass (`screen.rs`: size, line
//!    lengths, nesting, parts) and refused ([`Outcome::Refused`]) when its shape is far
//!    outside any bank's, before `mail-parser` sees it.
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
//!    extractor or the reason it carries no transaction), beside the one list of the domains
//!    each bank owns. Bank mail that fits no row is a one-time code or a statement when its
//!    subject says so, [`Outcome::UnknownLayout`] when it comes from an alert address and reads
//!    like an alert, and [`Ignored::Marketing`] otherwise.
//! 4. **Extraction**. A mail yields all of its transactions or none: any field that cannot be
//!    read without guessing (an ambiguous amount such as `1,234`, an unknown status or
//!    currency, a missing date) makes it [`Outcome::Unparsed`] with the reason.
//!
//! Amounts are exact integer minor units ([`Money`]); a zero amount is a card check, not a
//! transaction; times are Costa Rica time (UTC−6, no daylight saving) converted to UTC.
//! [`examine`] also returns the bank and, for an alert left unread, its subject and date, for
//! the user's "could not be read" note; [`CLASSIFIER_VERSION`] marks what a change re-reads.
//!
//! Codemap: `message.rs` (MIME), `html.rs` and `doc.rs` (body as rows of cells), `sender.rs`,
//! `authenticity.rs`, `amount.rs`, `when.rs` (dates), `banks/` (the table and one extractor
//! per layout), `fixtures.rs` (sample mails for tests, benchmarks and demos).

mod addressee;
mod amount;
mod authenticity;
mod banks;
mod doc;
pub mod fixtures;
mod html;
mod message;
mod model;
mod report;
mod screen;
mod sender;
mod text;
mod when;

#[cfg(test)]
mod tests;

pub use model::{Bank, Currency, Ignored, Kind, Money, Outcome, Refusal, Rejection, Transaction};
pub use report::report;
pub use screen::MAX_MESSAGE_BYTES;

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

/// The classifier's version. Raise it with any change that can read a mail differently (a
/// sender, a layout, a rule): the sync then reads again, once, the recent mail an older version
/// left without transactions.
pub const CLASSIFIER_VERSION: i32 = 1;

/// How many characters of an unread alert's subject are kept to show its owner.
const SUBJECT_CHARS: usize = 120;

/// One message examined: its outcome, and what a person needs to recognise a bank mail that
/// could not be read.
#[derive(Clone, PartialEq, Eq)]
pub struct Examined {
    pub outcome: Outcome,
    /// The bank whose address the From header holds (genuine or not); `None` for other mail.
    pub bank: Option<Bank>,
    /// For an alert left unread ([`Outcome::is_unread_alert`]): its subject, shortened to
    /// [`SUBJECT_CHARS`] characters. Mail content: shown to the mailbox's owner only, never
    /// logged.
    pub subject: Option<String>,
    /// For an alert left unread: the Date header, Unix seconds.
    pub sent_at: Option<i64>,
    /// For an alert left unread: the subject's shape, safe to log ([`banks::subject_shape`]).
    pub subject_shape: Option<String>,
}

impl std::fmt::Debug for Examined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Examined")
            .field("outcome", &self.outcome.code())
            .field("bank", &self.bank)
            .field("subject", &self.subject.as_ref().map(|_| "[mail content]"))
            .field("sent_at", &self.sent_at)
            .field("subject_shape", &self.subject_shape)
            .finish()
    }
}

/// Classifies one raw message from a Gmail mailbox and extracts its transactions. Never panics.
pub fn classify(raw: &[u8]) -> Outcome {
    examine(raw, GMAIL_VERDICTS).outcome
}

/// Classifies one raw message from a mailbox whose service writes `verdicts` (Outlook's, for
/// an Outlook mailbox). Never panics.
pub fn classify_received_by(raw: &[u8], verdicts: Verdicts<'_>) -> Outcome {
    examine(raw, verdicts).outcome
}

/// [`classify_received_by`], with the bank and, for an alert that could not be read, its
/// subject and date. Never panics.
pub fn examine(raw: &[u8], verdicts: Verdicts<'_>) -> Examined {
    examine_with(raw, Some(verdicts))
}

/// [`examine`] for mail found in the mailbox `mailbox`: a bank's alert whose header names
/// other recipients, or that someone re-sent, is rejected (see `addressee.rs`), so an alert
/// someone else received never counts as this mailbox owner's.
pub fn examine_in(raw: &[u8], verdicts: Verdicts<'_>, mailbox: &str) -> Examined {
    let examined = examine(raw, verdicts);
    let an_alert = matches!(
        examined.outcome,
        Outcome::Transactions(_) | Outcome::Unparsed { .. } | Outcome::UnknownLayout { .. }
    );
    if !an_alert {
        return examined;
    }
    // The header was screened already: an alert got this far.
    let header = screen::header_block(raw).unwrap_or_default();
    let rejection = match addressee::addressee(header, mailbox) {
        addressee::Addressee::Mailbox | addressee::Addressee::Undisclosed => return examined,
        addressee::Addressee::Elsewhere => Rejection::AddressedElsewhere,
        addressee::Addressee::Resent => Rejection::Resent,
    };
    Examined::plain(Outcome::Rejected(rejection), examined.bank)
}

/// [`examine`] without the authenticity check, for an operator who holds a sample whose mail
/// service verdict was lost on the way (a forwarded or re-saved mail) and wants to see what its
/// layout gives. Never used on synced mail.
pub fn examine_layout(raw: &[u8]) -> Examined {
    examine_with(raw, None)
}

fn examine_with(raw: &[u8], verdicts: Option<Verdicts<'_>>) -> Examined {
    // The header alone first, and of it only the From fields: mail from no bank is never
    // parsed further, and a header built to hurt is refused before any parser sees it.
    let header = match screen::header_block(raw) {
        Ok(header) => header,
        Err(refusal) => return Examined::plain(Outcome::Refused(refusal), None),
    };
    let from = screen::from_fields(header);
    let Some(head) = Mail::parse(&from) else {
        return Examined::plain(Outcome::NotBank, None);
    };
    let (bank, address, domain) = match sender::check(&head.sender_field()) {
        Sender::NotBank => return Examined::plain(Outcome::NotBank, None),
        Sender::Spoofed => {
            return Examined::plain(Outcome::Rejected(Rejection::SpoofedSender), None);
        }
        Sender::Bank {
            bank,
            address,
            domain,
        } => (bank, address, domain),
    };
    if let Err(refusal) = screen::check(raw) {
        return Examined::plain(Outcome::Refused(refusal), Some(bank));
    }
    let Some(mail) = Mail::parse(raw) else {
        return Examined::plain(Outcome::NotBank, None);
    };
    let authentic = verdicts.is_none_or(|verdicts| {
        authenticity::is_authentic(mail.authentication_results(), verdicts, &domain)
    });
    if !authentic {
        return Examined::plain(Outcome::Rejected(Rejection::NotAuthenticated), Some(bank));
    }
    let outcome = banks::read(bank, &address, &mail);
    if !outcome.is_unread_alert() {
        return Examined::plain(outcome, Some(bank));
    }
    let subject: String = mail.subject().trim().chars().take(SUBJECT_CHARS).collect();
    Examined {
        outcome,
        bank: Some(bank),
        subject_shape: Some(banks::subject_shape(&subject)),
        subject: Some(subject),
        sent_at: mail.sent_at(),
    }
}

impl Examined {
    fn plain(outcome: Outcome, bank: Option<Bank>) -> Self {
        Examined {
            outcome,
            bank,
            subject: None,
            sent_at: None,
            subject_shape: None,
        }
    }
}

/// Every exact bank sender address, as the banks write them.
pub fn sender_addresses() -> impl Iterator<Item = &'static str> {
    banks::FORMATS
        .iter()
        .flat_map(|f| f.senders.iter().copied())
}

/// Every domain a bank owns (with its subdomains): mail from them is the bank's.
pub fn bank_domains() -> impl Iterator<Item = &'static str> {
    banks::DOMAINS.iter().map(|d| d.name)
}

/// The bank domains alerts come from: what the mail services are asked for.
pub fn alert_domains() -> impl Iterator<Item = &'static str> {
    banks::DOMAINS.iter().filter(|d| d.alerts).map(|d| d.name)
}

/// Whether a listed message's sender address could be a bank's alert: one of the table's
/// addresses or an address in a domain alerts come from. What a list without Gmail's search
/// keeps for [`classify`]; like the query below, it lets spoofs through for `classify` to sort
/// out.
pub fn may_be_bank_sender(address: &str) -> bool {
    let address = address.trim();
    if sender_addresses().any(|a| a.eq_ignore_ascii_case(address)) {
        return true;
    }
    address
        .rsplit_once('@')
        .is_some_and(|(_, domain)| alert_domains().any(|b| sender::is_same_or_subdomain(domain, b)))
}

/// Whether a From field's value (as Gmail's metadata gives it, encoded words decoded) names an
/// address that [`may_be_bank_sender`]: any word of it with an `@`, stripped of the brackets,
/// quotes and separators around it. Lenient on purpose, like the search it stands in for: a
/// bank address anywhere (even in a display name) gets the mail fetched, for [`classify`] to
/// judge.
pub fn from_may_be_bank(value: &str) -> bool {
    value
        .split(|c: char| {
            c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';' | '"' | '\'' | '(' | ')')
        })
        .filter(|word| word.contains('@'))
        .any(may_be_bank_sender)
}

/// A Gmail search query that finds every mail [`classify`] could accept:
/// `from:(a@x OR b@y OR x.com …)`. It also finds spoofs; `classify` sorts those out.
pub fn gmail_query() -> String {
    let mut terms: Vec<&str> = sender_addresses()
        .filter(|a| {
            a.split_once('@')
                .is_none_or(|(_, d)| !alert_domains().any(|b| sender::is_same_or_subdomain(d, b)))
        })
        .collect();
    terms.sort_unstable();
    terms.dedup();
    terms.extend(alert_domains());
    format!("from:({})", terms.join(" OR "))
}
