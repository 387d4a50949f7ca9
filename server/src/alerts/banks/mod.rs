//! THE table of bank formats: for each kind of mail a bank sends, its exact sender addresses,
//! its subject and what to do with it, and the one list of the domains each bank owns. Adding
//! a layout means adding a row here, an extractor beside this file and fixtures for it (a mail
//! and its expected outcome in `alerts/fixtures/`); adding a sender means adding its address to
//! a row (and its domain to [`DOMAINS`]), then raising `CLASSIFIER_VERSION`.
//!
//! A bank mail (already proven genuine) is matched against the rows by sender address and
//! subject; the first row that fits decides. A bank mail no row fits is, in this order: a
//! one-time code or a statement when its subject says so; a mail of an **unknown layout** when
//! it comes from an address the bank sends alerts from and its body reads like an alert (so a
//! changed layout is noticed, not dropped); bank mail without a transaction otherwise.

mod bac;
mod bcr;
mod bncr;
mod davibank;
mod promerica;
mod sinpe;

use super::doc::Doc;
use super::message::Mail;
use super::model::{Bank, Ignored, Outcome, Transaction};
use super::text::{find_folded, folded};

/// Reads the transactions out of a body; `Err` carries the reason it could not (never text
/// quoted from the mail: reasons are stored and logged).
pub(crate) type Extract = fn(&Doc) -> Result<Vec<Transaction>, String>;

/// What a row of the table does with a matching mail.
pub(crate) enum Read {
    Transactions(Extract),
    /// Bank mail that carries no transaction: dropped unread.
    Ignore(Ignored),
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

/// BAC's card alerts: the same layout from three addresses over time (the first until
/// August 2026, the second from 2026-08-03, the third from 2026-08-24).
const BAC_CARD_ALERTS: &[&str] = &[
    "notificacion@notificacionesbaccr.com",
    "notificacion@baccredomatic.cr",
    "NotificacionBAC@baccredomatic.cr",
];
/// BAC's SINPE notices: the older address, then the one of 2026.
const BAC_SINPE: &[&str] = &[
    "sinpe@notificacionesbaccr.com",
    "notificaciones@baccredomatic.cr",
];
/// BAC's receipts: card and service payments, local transfers, cardless withdrawals.
const BAC_RECEIPTS: &[&str] = &["alerta@baccredomatic.com"];

pub(crate) const FORMATS: &[Format] = &[
    Format {
        bank: Bank::BacCredomatic,
        senders: BAC_CARD_ALERTS,
        subject: Some("notificacion de transaccion"),
        read: Read::Transactions(bac::card_alert),
    },
    Format {
        bank: Bank::BacCredomatic,
        senders: BAC_SINPE,
        subject: Some("notificacion de transferencia"),
        read: Read::Transactions(bac::sinpe_notice),
    },
    Format {
        bank: Bank::BacCredomatic,
        senders: BAC_RECEIPTS,
        subject: Some("notificacion de transferencia"),
        read: Read::Transactions(bac::local_transfer),
    },
    Format {
        bank: Bank::BacCredomatic,
        senders: BAC_RECEIPTS,
        subject: Some("notificacion de pago"),
        read: Read::Transactions(bac::payment_receipt),
    },
    Format {
        bank: Bank::BacCredomatic,
        senders: BAC_RECEIPTS,
        subject: Some("retiro sin tarjeta retirado"),
        read: Read::Transactions(bac::cardless_withdrawal),
    },
    Format {
        bank: Bank::BacCredomatic,
        senders: BAC_RECEIPTS,
        // A code was created; no money moves until it is used.
        subject: Some("creacion de retiro sin tarjeta"),
        read: Read::Ignore(Ignored::Notice),
    },
    Format {
        bank: Bank::BacCredomatic,
        senders: &["notificacionesotp_cri@baccredomatic.com"],
        subject: None,
        read: Read::Ignore(Ignored::OneTimeCode),
    },
    Format {
        bank: Bank::BacCredomatic,
        senders: &[
            "estadodecuenta@baccredomatic.cr",
            "estadosdecuenta@baccredomatic.cr",
        ],
        subject: None,
        read: Read::Ignore(Ignored::Statement),
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
    Format {
        bank: Bank::Davibank,
        senders: &["Alertas@davibank.cr"],
        subject: Some("notificacion de transaccion"),
        read: Read::Transactions(davibank::debit_alert),
    },
    Format {
        bank: Bank::Davibank,
        senders: &["costarica_clientes@davivienda.cr"],
        subject: Some("davivienda autorizaciones"),
        read: Read::Transactions(davibank::authorization),
    },
    Format {
        bank: Bank::Davibank,
        senders: &["costarica_estadoscta@davivienda.cr"],
        subject: None,
        read: Read::Ignore(Ignored::Statement),
    },
    Format {
        bank: Bank::Bncr,
        senders: &["bncontacto@bncr.fi.cr"],
        subject: Some("voucher digital"),
        read: Read::Transactions(bncr::voucher),
    },
    Format {
        bank: Bank::Promerica,
        senders: &["info@promerica.fi.cr"],
        subject: Some("tu transaccion fue procesada"),
        read: Read::Transactions(promerica::card_alert),
    },
];

/// One domain a bank owns.
pub(crate) struct Domain {
    pub name: &'static str,
    pub bank: Bank,
    /// Whether the bank sends alerts from it: the mail services are asked for mail from
    /// these domains (so a new alert address there is read, or noticed), not from the others.
    pub alerts: bool,
}

const fn domain(name: &'static str, bank: Bank, alerts: bool) -> Domain {
    Domain { name, bank, alerts }
}

/// THE list of the domains the banks own. Every address in them (and in their subdomains) is
/// the bank's: never a look-alike of another bank domain, and never read unless a row of
/// [`FORMATS`] names it.
pub(crate) const DOMAINS: &[Domain] = &[
    domain("baccredomatic.com", Bank::BacCredomatic, true),
    domain("baccredomatic.cr", Bank::BacCredomatic, true),
    domain("notificacionesbaccr.com", Bank::BacCredomatic, true),
    // BAC's marketing.
    domain("infobaccredomatic.com", Bank::BacCredomatic, false),
    domain("baccredomatic.net", Bank::BacCredomatic, false),
    domain("bancobcr.com", Bank::Bcr, true),
    domain("davibank.cr", Bank::Davibank, true),
    domain("davivienda.cr", Bank::Davibank, true),
    domain("scotiabankcr.com", Bank::Davibank, true),
    domain("bncr.fi.cr", Bank::Bncr, true),
    domain("promerica.fi.cr", Bank::Promerica, true),
];

/// Subject words that mark a one-time code, folded.
const ONE_TIME_CODE_WORDS: &[&str] = &[
    "codigo de verificacion",
    "codigo verificacion",
    "codigo de seguridad",
    "codigo de autorizacion",
    "clave dinamica",
    "one-time",
    "otp",
];

/// Subject words that mark a statement, folded.
const STATEMENT_WORDS: &[&str] = &["estado de cuenta", "estados de cuenta"];

/// Body words of an alert, folded: a mail of an unknown layout from an alert address that
/// has one of them is taken for an alert the table cannot read yet.
const ALERT_WORDS: &[&str] = &["monto", "autorizacion", "referencia"];

/// The outcome for a genuine mail of `bank` sent by `address`.
pub(crate) fn read(bank: Bank, address: &str, mail: &Mail<'_>) -> Outcome {
    let subject = folded(mail.subject());
    let format = FORMATS.iter().find(|f| {
        f.senders.iter().any(|s| s.eq_ignore_ascii_case(address))
            && f.subject.is_none_or(|p| subject.starts_with(p))
    });
    let Some(format) = format else {
        return outside_the_table(bank, address, &subject, mail);
    };
    let extract = match format.read {
        Read::Ignore(why) => return Outcome::Ignored(why),
        Read::Transactions(extract) => extract,
    };
    let unparsed = |reason: String| Outcome::Unparsed {
        bank: format.bank,
        reason,
    };
    match extract(&mail.body()) {
        Ok(list) if list.is_empty() => unparsed("no transaction found in the body".into()),
        // A zero amount is a card check (a merchant verifying the card): no money moved.
        Ok(list) if list.iter().all(|t| t.amount.minor_units == 0) => {
            Outcome::Ignored(Ignored::CardCheck)
        }
        Ok(mut list) => {
            for (i, t) in list.iter_mut().enumerate() {
                t.index = u32::try_from(i).unwrap_or(u32::MAX);
            }
            Outcome::Transactions(list)
        }
        Err(reason) => unparsed(reason),
    }
}

/// A genuine bank mail that no row fits.
fn outside_the_table(bank: Bank, address: &str, subject: &str, mail: &Mail<'_>) -> Outcome {
    if ONE_TIME_CODE_WORDS.iter().any(|w| subject.contains(w)) {
        return Outcome::Ignored(Ignored::OneTimeCode);
    }
    if STATEMENT_WORDS.iter().any(|w| subject.contains(w)) {
        return Outcome::Ignored(Ignored::Statement);
    }
    let alert_sender = FORMATS.iter().any(|f| {
        matches!(f.read, Read::Transactions(_))
            && f.senders.iter().any(|s| s.eq_ignore_ascii_case(address))
    });
    if alert_sender {
        let text = mail.body().text();
        if ALERT_WORDS
            .iter()
            .any(|w| find_folded(&text, w, 0).is_some())
        {
            return Outcome::UnknownLayout { bank };
        }
    }
    Outcome::Ignored(Ignored::Marketing)
}

/// A subject's shape, safe to log: folded, digits as `#`, and every word the table does not
/// use in a subject (a merchant's or a person's name, say) as `_`.
pub(crate) fn subject_shape(subject: &str) -> String {
    let known = |word: &str| {
        FORMATS
            .iter()
            .filter_map(|f| f.subject)
            .chain(ONE_TIME_CODE_WORDS.iter().copied())
            .chain(STATEMENT_WORDS.iter().copied())
            .flat_map(str::split_whitespace)
            .chain([
                "de",
                "del",
                "la",
                "el",
                "su",
                "tu",
                "en",
                "y",
                "notificacion",
                "alerta",
            ])
            .any(|k| k == word)
    };
    folded(subject)
        .split_whitespace()
        .map(|word| {
            if word.chars().any(|c| c.is_ascii_digit()) {
                word.chars()
                    .map(|c| if c.is_ascii_digit() { '#' } else { c })
                    .collect()
            } else if known(word) {
                word.to_owned()
            } else {
                "_".to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The last four digits of a masked card number such as `************3640`,
/// `****-****-****-9282`, `3777-13**-****-1234` or `XXXX XXXX XXXX 1234` found in `text`.
pub(crate) fn masked_card_last4(text: &str) -> Option<String> {
    let is_mask = |c: char| matches!(c, '*' | 'X' | 'x' | '•' | '#');
    let mut masks = 0;
    let mut prev_token_masked = false;
    for token in text.split_whitespace() {
        let token = token.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
        let token = token.trim_start_matches(['(', '#']);
        // Shown digits between masks: `3777-13**-****-1234`.
        if let Some(split) = token.len().checked_sub(4)
            && split > 0
            && token.is_char_boundary(split)
        {
            let (head, tail) = token.split_at(split);
            let tail_ok = tail.bytes().all(|b| b.is_ascii_digit());
            let head_ok = head
                .chars()
                .all(|c| is_mask(c) || c == '-' || c.is_ascii_digit());
            if tail_ok && head_ok && head.chars().filter(|&c| is_mask(c)).count() >= 4 {
                return Some(tail.to_owned());
            }
        }
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

/// Splits `City, Country` at its last comma; without a comma the whole text is the city. BAC's
/// `Pais no Definido` (no country given) is no country.
pub(crate) fn city_country(value: &str) -> (Option<String>, Option<String>) {
    use super::text::non_empty;
    let (city, country) = match value.rsplit_once(',') {
        Some((city, country)) => (non_empty(city), non_empty(country)),
        None => (non_empty(value), None),
    };
    let country = country.filter(|c| folded(c) != "pais no definido");
    (city, country)
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
            ("Número: 3777-13**-****-1234", Some("1234")),
            ("en (*******5678)", Some("5678")),
            ("Cuenta 9xxxxxxxx", None),
            ("12345678", None),
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
        assert_eq!(
            city_country("CUPERTINO, Pais no Definido"),
            (Some("CUPERTINO".into()), None)
        );
        assert_eq!(
            city_country(", Estados Unidos"),
            (None, Some("Estados Unidos".into()))
        );
    }

    #[test]
    fn subject_shapes_keep_no_names() {
        assert_eq!(
            subject_shape("Notificación de transacción AUTO MERCADO HEREDIA 21-09-2026 - 20:38"),
            "notificacion de transaccion _ _ _ ##-##-#### - ##:##"
        );
    }

    #[test]
    fn the_readme_names_every_sender_and_domain() {
        let readme = include_str!("../../../../README.md");
        let senders = FORMATS.iter().flat_map(|f| f.senders.iter());
        for name in senders.chain(DOMAINS.iter().filter(|d| d.alerts).map(|d| &d.name)) {
            assert!(
                readme.contains(&format!("`{name}`")),
                "README.md lacks {name}"
            );
        }
    }

    #[test]
    fn every_domain_a_bank_owns_is_its_own_and_look_alikes_are_not() {
        use super::super::message::FromField;
        use super::super::sender::{Sender, check};
        let from = |address: &str| {
            check(&FromField {
                headers: 1,
                mailboxes: vec![super::super::message::Mailbox {
                    name: None,
                    address: Some(address.to_owned()),
                }],
                raw: address.to_owned(),
                ..Default::default()
            })
        };
        for d in DOMAINS {
            let address = format!("alguien@{}", d.name);
            assert!(
                matches!(from(&address), Sender::Bank { bank, .. } if bank == d.bank),
                "{address}"
            );
        }
        for f in FORMATS {
            for s in f.senders {
                assert!(
                    matches!(from(s), Sender::Bank { bank, .. } if bank == f.bank),
                    "{s}"
                );
            }
        }
        for look_alike in [
            "notificacionbac@baccredomatic.co",
            "alerta@bacredomatic.com",
            "mensajero@bancobrc.com",
            "info@promerica.fi.cr.example",
            "bncontacto@bnrc.fi.cr",
            "costarica_clientes@daviviendas.cr",
        ] {
            assert_eq!(from(look_alike), Sender::Spoofed, "{look_alike}");
        }
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
