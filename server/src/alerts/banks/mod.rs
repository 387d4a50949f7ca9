//! THE table of bank formats: for each kind of mail a bank sends, its exact sender addresses,
//! its subject and what to do with it. Adding a layout means adding a row here, an extractor
//! beside this file and fixtures for it.
//!
//! A bank mail (already proven genuine) is matched against the rows by sender address and
//! subject; the first row that fits decides. A bank mail no row fits is ignored: a one-time
//! code when its subject says so, marketing otherwise.

mod bac;
mod bcr;
mod davibank;
mod sinpe;

use super::doc::Doc;
use super::message::Mail;
use super::model::{Bank, Ignored, Outcome, Transaction};
use super::text::folded;

/// Reads the transactions out of a body; `Err` carries the reason it could not.
pub(crate) type Extract = fn(&Doc) -> Result<Vec<Transaction>, String>;

/// What a row of the table does with a matching mail.
pub(crate) enum Read {
    Transactions(Extract),
    /// One-time codes: dropped unread.
    OneTimeCode,
}

/// One row of the table.
pub(crate) struct Format {
    pub bank: Bank,
    /// Exact sender addresses (compared ignoring case).
    pub senders: &'static [&'static str],
    /// The subject's start, folded (lower case, no accents); `None` for any subject.
    pub subject: Option<&'static str>,
    pub read: Read,
}

pub(crate) const FORMATS: &[Format] = &[
    Format {
        bank: Bank::BacCredomatic,
        senders: &["notificacion@notificacionesbaccr.com"],
        subject: Some("notificacion de transaccion"),
        read: Read::Transactions(bac::card_transaction),
    },
    Format {
        bank: Bank::BacCredomatic,
        senders: &["alerta@baccredomatic.com"],
        subject: Some("notificacion de pago"),
        read: Read::Transactions(bac::card_payment),
    },
    Format {
        bank: Bank::BacCredomatic,
        senders: &["notificacionesotp_cri@baccredomatic.com"],
        subject: None,
        read: Read::OneTimeCode,
    },
    Format {
        bank: Bank::Bcr,
        senders: &["bcrtarjestcta@bancobcr.com"],
        subject: Some("notificacion de transacciones bcr"),
        read: Read::Transactions(bcr::card_alert),
    },
    Format {
        bank: Bank::Bcr,
        senders: &["mensajero@bancobcr.com"],
        subject: Some("sinpemovil - notificacion de transaccion"),
        read: Read::Transactions(sinpe::transfer),
    },
    Format {
        bank: Bank::Davibank,
        senders: &["Alertas@davibank.cr", "AlertasScotiabank@scotiabank.com"],
        subject: Some("alerta transaccion tarjeta de credito"),
        read: Read::Transactions(davibank::card_alert),
    },
];

/// Domains whose every address (and every subdomain's) is accepted as the bank's. A mail from
/// one of them that matches no row of [`FORMATS`] is ignored, never read.
pub(crate) const DOMAINS: &[(&str, Bank)] = &[
    ("notificacionesbaccr.com", Bank::BacCredomatic),
    ("baccredomatic.com", Bank::BacCredomatic),
    ("bancobcr.com", Bank::Bcr),
    ("davibank.cr", Bank::Davibank),
    ("scotiabankcr.com", Bank::Davibank),
];

/// Subject words that mark a one-time code, folded.
const ONE_TIME_CODE_WORDS: &[&str] = &[
    "codigo de verificacion",
    "codigo de seguridad",
    "codigo de autorizacion",
    "clave dinamica",
    "one-time",
    "otp",
];

/// The outcome for a genuine bank mail sent by `address`.
pub(crate) fn read(address: &str, mail: &Mail<'_>) -> Outcome {
    let subject = folded(mail.subject());
    let format = FORMATS.iter().find(|f| {
        f.senders.iter().any(|s| s.eq_ignore_ascii_case(address))
            && f.subject.is_none_or(|p| subject.starts_with(p))
    });
    let Some(format) = format else {
        let otp = ONE_TIME_CODE_WORDS.iter().any(|w| subject.contains(w));
        return Outcome::Ignored(if otp {
            Ignored::OneTimeCode
        } else {
            Ignored::Marketing
        });
    };
    let extract = match format.read {
        Read::OneTimeCode => return Outcome::Ignored(Ignored::OneTimeCode),
        Read::Transactions(extract) => extract,
    };
    let unparsed = |reason: String| Outcome::Unparsed {
        bank: format.bank,
        reason,
    };
    match extract(&mail.body()) {
        Ok(list) if list.is_empty() => unparsed("no transaction found in the body".into()),
        Ok(mut list) => {
            for (i, t) in list.iter_mut().enumerate() {
                t.index = u32::try_from(i).unwrap_or(u32::MAX);
            }
            Outcome::Transactions(list)
        }
        Err(reason) => unparsed(reason),
    }
}

/// The last four digits of a masked card number such as `************3640`,
/// `****-****-****-9282` or `XXXX XXXX XXXX 1234` found in `text`.
pub(crate) fn masked_card_last4(text: &str) -> Option<String> {
    let is_mask = |c: char| matches!(c, '*' | 'X' | 'x' | '•' | '#');
    let mut masks = 0;
    let mut prev_token_masked = false;
    for token in text.split_whitespace() {
        let token = token.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
        let digits = token.len()
            - token
                .trim_start_matches(|c: char| !c.is_ascii_digit())
                .len();
        let (mask, tail) = token.split_at(digits);
        let tail_ok = tail.len() == 4 && tail.bytes().all(|b| b.is_ascii_digit());
        let mask_count = mask.chars().filter(|&c| is_mask(c)).count();
        let mask_only = mask.chars().all(|c| is_mask(c) || c == '-');
        if tail_ok && mask_only && (mask_count >= 4 || (mask.is_empty() && prev_token_masked)) {
            return Some(tail.to_owned());
        }
        if !token.is_empty() && token.chars().all(|c| is_mask(c) || c == '-') {
            masks += token.chars().filter(|&c| is_mask(c)).count();
            prev_token_masked = masks >= 4;
        } else {
            masks = 0;
            prev_token_masked = false;
        }
    }
    None
}

/// Splits `City, Country` at its last comma; without a comma the whole text is the city.
pub(crate) fn city_country(value: &str) -> (Option<String>, Option<String>) {
    use super::text::non_empty;
    match value.rsplit_once(',') {
        Some((city, country)) => (non_empty(city), non_empty(country)),
        None => (non_empty(value), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_cards() {
        let cases = [
            ("VISA ************3640", Some("3640")),
            ("AMEX ***********6380.", Some("6380")),
            ("Tarjeta ****-****-****-9282:", Some("9282")),
            ("XXXX XXXX XXXX 1234", Some("1234")),
            ("referencia 617622814875", None),
            ("**12 3456", None),
            ("*** 1234", None),
            ("é****1234é", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(masked_card_last4(text).as_deref(), want, "{text}");
        }
        assert_eq!(
            city_country("SAN JOSE, Costa Rica"),
            (Some("SAN JOSE".into()), Some("Costa Rica".into()))
        );
        assert_eq!(city_country("HEREDIA"), (Some("HEREDIA".into()), None));
    }

    #[test]
    fn table_is_consistent() {
        for f in FORMATS {
            for s in f.senders {
                assert_eq!(s.matches('@').count(), 1, "{s}");
            }
            if let Some(p) = f.subject {
                assert_eq!(folded(p), p, "subject prefixes are stored folded");
            }
        }
    }
}
