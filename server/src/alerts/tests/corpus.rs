//! The corpus: every mail in `alerts/fixtures/` has its expected outcome beside it, in a file
//! of the same name ending in `.toml`, whose first comment says which public sample the mail's
//! layout follows. This test holds each mail to every field of its expectation.
//!
//! ```toml
//! outcome = "transactions"   # or not_bank, rejected, ignored, unparsed, unknown_layout
//! reason = "spoofed_sender"  # rejected / ignored: the code; unparsed: words the reason holds
//! bank = "bcr"               # unparsed / unknown_layout: whose alert it was
//!
//! [[transaction]]            # one table per transaction, in mail order
//! bank = "bcr"
//! kind = "purchase"
//! amount = "12500.00"        # in major units, exact
//! currency = "CRC"
//! at = "2025-12-05 13:45:10" # Costa Rica time, as the mail says (seconds optional)
//! merchant = "…"             # and city, country, card, authorization, reference, memo:
//!                            # each absent means the transaction must not have it
//! ```

use std::collections::BTreeSet;
use std::path::PathBuf;

use rust_decimal::Decimal;
use serde::Deserialize;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::super::amount::to_money;
use super::super::fixtures;
use super::super::when::COSTA_RICA;
use super::super::{Bank, Currency, Ignored, Kind, Outcome, Rejection, Transaction, classify};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectation {
    outcome: String,
    reason: Option<String>,
    bank: Option<String>,
    #[serde(default, rename = "transaction")]
    transactions: Vec<ExpectedTransaction>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedTransaction {
    bank: String,
    kind: String,
    amount: String,
    currency: String,
    at: String,
    merchant: Option<String>,
    city: Option<String>,
    country: Option<String>,
    card: Option<String>,
    authorization: Option<String>,
    reference: Option<String>,
    memo: Option<String>,
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/alerts/fixtures")
}

fn expectation(name: &str) -> Expectation {
    let path = fixtures_dir().join(name.replace(".eml", ".toml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        text.starts_with("# "),
        "{}: the first line says which public sample the mail follows",
        path.display()
    );
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn bank(code: &str) -> Bank {
    Bank::from_code(code).unwrap_or_else(|| panic!("no bank {code:?}"))
}

fn costa_rica_time(text: &str) -> OffsetDateTime {
    let with_seconds = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let without = format_description!("[year]-[month]-[day] [hour]:[minute]");
    PrimitiveDateTime::parse(text, with_seconds)
        .or_else(|_| PrimitiveDateTime::parse(text, without))
        .unwrap_or_else(|e| panic!("time {text:?}: {e}"))
        .assume_offset(COSTA_RICA)
        .to_offset(time::UtcOffset::UTC)
}

impl ExpectedTransaction {
    fn to_transaction(&self, index: u32) -> Transaction {
        let currency = Currency::from_code(&self.currency)
            .unwrap_or_else(|| panic!("no currency {:?}", self.currency));
        let amount: Decimal = self.amount.parse().expect("amount in major units");
        Transaction {
            bank: bank(&self.bank),
            kind: Kind::from_code(&self.kind).unwrap_or_else(|| panic!("no kind {:?}", self.kind)),
            amount: to_money(amount, currency).expect("amount within the currency's decimals"),
            merchant: self.merchant.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
            occurred_at: costa_rica_time(&self.at),
            card_last4: self.card.clone(),
            authorization: self.authorization.clone(),
            reference: self.reference.clone(),
            memo: self.memo.clone(),
            index,
        }
    }
}

/// Checks `actual` against the expectation beside fixture `name`.
pub(super) fn check(name: &str, actual: &Outcome) {
    let want = expectation(name);
    let reason = || {
        want.reason
            .as_deref()
            .unwrap_or_else(|| panic!("{name}: no reason"))
    };
    let want_bank = || {
        bank(
            want.bank
                .as_deref()
                .unwrap_or_else(|| panic!("{name}: no bank")),
        )
    };
    match want.outcome.as_str() {
        "transactions" => {
            let list = want
                .transactions
                .iter()
                .enumerate()
                .map(|(i, t)| t.to_transaction(i as u32))
                .collect();
            assert_eq!(actual, &Outcome::Transactions(list), "{name}");
        }
        "not_bank" => assert_eq!(actual, &Outcome::NotBank, "{name}"),
        "rejected" => {
            let why = [Rejection::NotAuthenticated, Rejection::SpoofedSender]
                .into_iter()
                .find(|r| r.as_str() == reason())
                .unwrap_or_else(|| panic!("{name}: no rejection {:?}", reason()));
            assert_eq!(actual, &Outcome::Rejected(why), "{name}");
        }
        "ignored" => {
            let why = Ignored::ALL
                .into_iter()
                .find(|r| r.as_str() == reason())
                .unwrap_or_else(|| panic!("{name}: no ignored kind {:?}", reason()));
            assert_eq!(actual, &Outcome::Ignored(why), "{name}");
        }
        "unparsed" => match actual {
            Outcome::Unparsed { bank, reason: got } => {
                assert_eq!(*bank, want_bank(), "{name}");
                assert!(
                    got.contains(reason()),
                    "{name}: {got:?} lacks {:?}",
                    reason()
                );
            }
            other => panic!("{name}: expected unparsed, got {other:?}"),
        },
        "unknown_layout" => assert_eq!(
            actual,
            &Outcome::UnknownLayout { bank: want_bank() },
            "{name}"
        ),
        other => panic!("{name}: no outcome {other:?}"),
    }
}

#[test]
fn every_fixture_gives_exactly_its_expected_outcome() {
    for f in fixtures::ALL {
        check(f.name, &classify(f.raw));
    }
}

#[test]
fn the_corpus_is_whole() {
    let listed: BTreeSet<&str> = fixtures::ALL.iter().map(|f| f.name).collect();
    let mut on_disk = BTreeSet::new();
    let mut expectations = BTreeSet::new();
    for entry in std::fs::read_dir(fixtures_dir()).expect("the fixtures folder") {
        let name = entry.expect("a folder entry").file_name();
        let name = name.to_str().expect("a UTF-8 name").to_owned();
        if let Some(stem) = name.strip_suffix(".eml") {
            on_disk.insert(stem.to_owned());
        } else if let Some(stem) = name.strip_suffix(".toml") {
            expectations.insert(stem.to_owned());
        } else {
            panic!("{name}: the fixtures folder holds .eml mails and their .toml expectations");
        }
    }
    let listed_stems: BTreeSet<String> = listed
        .iter()
        .map(|n| n.trim_end_matches(".eml").to_owned())
        .collect();
    assert_eq!(listed_stems, on_disk, "fixtures::ALL lists every mail");
    assert_eq!(expectations, on_disk, "every mail has its expectation");
    assert!(
        on_disk.len() >= 40,
        "the corpus holds {} mails",
        on_disk.len()
    );
}
