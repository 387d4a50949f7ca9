//! Variants built by rewriting fixtures: other separators, ambiguous amounts, unknown values,
//! declined transactions, bank mail outside the table, and the codes used for storage.

use time::OffsetDateTime;
use time::macros::datetime;

use super::super::{
    Bank, Currency, Ignored, Kind, Money, Outcome, Rejection, Transaction, classify,
};
use super::corpus::check;
use super::{fixture, replace_all, with_header};

use Bank::*;
use Currency::*;
use Kind::*;

fn money(minor_units: i64, currency: Currency) -> Money {
    Money {
        minor_units,
        currency,
    }
}

fn some(s: &str) -> Option<String> {
    Some(s.to_owned())
}

#[allow(clippy::too_many_arguments)]
fn card(
    bank: Bank,
    kind: Kind,
    amount: Money,
    at: OffsetDateTime,
    merchant: &str,
    last4: &str,
    auth: Option<&str>,
    reference: &str,
) -> Transaction {
    Transaction {
        merchant: some(merchant),
        card_last4: some(last4),
        authorization: auth.map(str::to_owned),
        reference: some(reference),
        ..Transaction::new(bank, kind, amount, at)
    }
}

fn indexed(list: Vec<Transaction>) -> Outcome {
    Outcome::Transactions(
        list.into_iter()
            .enumerate()
            .map(|(i, t)| Transaction {
                index: i as u32,
                ..t
            })
            .collect(),
    )
}

fn unparsed_reason(outcome: Outcome, bank: Bank) -> String {
    match outcome {
        Outcome::Unparsed { bank: b, reason } if b == bank => reason,
        other => panic!("expected Unparsed for {bank:?}, got {other:?}"),
    }
}

#[test]
fn variants_by_rewriting() {
    // Spanish separators mean the same amount.
    let raw = replace_all(
        fixture("bac_purchase_crc.eml"),
        "CRC 22,000.00",
        "CRC 22.000,00",
    );
    check("bac_purchase_crc.eml", &classify(&raw));

    // An amount that reads two ways is never guessed.
    let raw = replace_all(
        fixture("bac_purchase_crc.eml"),
        "CRC 22,000.00",
        "CRC 22,000",
    );
    let reason = unparsed_reason(classify(&raw), BacCredomatic);
    assert!(reason.contains("ambiguous"), "{reason}");

    // An unknown BCR status makes the whole mail unparsed, not two of three rows.
    let raw = replace_all(
        fixture("bcr_card_three_rows.eml"),
        ">Negada<",
        ">Reversada<",
    );
    let reason = unparsed_reason(classify(&raw), Bcr);
    assert!(
        reason.contains("row 2") && reason.contains("unknown status"),
        "{reason}"
    );
    assert!(!reason.contains("Reversada"), "reasons quote no mail text");

    // An unknown currency too.
    let raw = replace_all(fixture("bcr_card_three_rows.eml"), "US DOLLAR", "EURO");
    let reason = unparsed_reason(classify(&raw), Bcr);
    assert!(reason.contains("row 3"), "{reason}");

    // A date whose UTC time would fall past year 9999.
    let raw = replace_all(
        fixture("bcr_card_three_rows.eml"),
        "06/12/2025 07:15:03",
        "31/12/9999 23:59:59",
    );
    let reason = unparsed_reason(classify(&raw), Bcr);
    assert!(reason.contains("out of range"), "{reason}");

    // A BAC transaction type it does not know.
    let raw = replace_all(fixture("bac_purchase_crc.eml"), ">COMPRA<", ">CONSULTA<");
    let reason = unparsed_reason(classify(&raw), BacCredomatic);
    assert_eq!(reason, "unknown transaction type");

    // A declined DAVIbank transaction, in a plain-text, 8-bit UTF-8 body.
    let raw = "From: Alertas@davibank.cr\r\n\
        Authentication-Results: mx.google.com; dkim=pass header.i=@davibank.cr\r\n\
        Subject: =?utf-8?q?Alerta_Transacci=C3=B3n_Tarjeta_de_Cr=C3=A9dito_Titular?=\r\n\
        Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
        Estimado(a) cliente:\r\n\r\nDAVIbank le informa que la transacción realizada en\r\n\
        FERRETERIA EL CLAVO CARTAGO CR, el día 01/03/2026 a las 12:05 AM con su tarjeta de\r\n\
        crédito titular MC terminada en 9938 con número de autorización 000000 y referencia\r\n\
        618000000001 por USD 1,200.50, fue rechazada.\r\n";
    assert_eq!(
        classify(raw.as_bytes()),
        indexed(vec![card(
            Davibank,
            Declined,
            money(120_050, Usd),
            datetime!(2026-03-01 06:05 UTC),
            "FERRETERIA EL CLAVO CARTAGO CR",
            "9938",
            Some("000000"),
            "618000000001",
        )])
    );
}

#[test]
fn bank_mail_outside_the_table_is_ignored_or_noticed() {
    let subject = |raw: &[u8], s: &str| with_header(raw, "Subject", &format!("Subject: {s}"));
    let cases = [
        (
            "bac_purchase_crc.eml",
            "Su estado de cuenta",
            Ignored::Statement,
        ),
        (
            "bac_payment.eml",
            "Codigo de verificacion para su pago",
            Ignored::OneTimeCode,
        ),
        (
            "bac_otp.eml",
            "Notificacion de transaccion",
            Ignored::OneTimeCode,
        ),
    ];
    for (name, s, want) in cases {
        assert_eq!(
            classify(&subject(fixture(name), s)),
            Outcome::Ignored(want),
            "{name} / {s}"
        );
    }
    // An alert address's mail in a layout no row knows, reading like an alert: noticed.
    assert_eq!(
        classify(&subject(
            fixture("bcr_sinpe_out.eml"),
            "SINPE Movil: comprobante de su transferencia"
        )),
        Outcome::UnknownLayout { bank: Bcr }
    );
    // The same kind of address's promotion, with nothing of an alert in its body: bank mail.
    let promo = b"From: BCR <bcrtarjestcta@bancobcr.com>\r\n\
        Authentication-Results: mx.google.com; dmarc=pass header.from=bancobcr.com\r\n\
        Subject: Nuevos beneficios con su tarjeta\r\n\r\n\
        Disfrute de 20% de descuento en restaurantes participantes.\r\n";
    assert_eq!(classify(promo), Outcome::Ignored(Ignored::Marketing));
    // Another sender of the same bank (accepted domain) with an alert subject: never read.
    let raw = with_header(
        fixture("bac_purchase_crc.eml"),
        "From",
        "From: BAC <promociones@notificacionesbaccr.com>",
    );
    assert_eq!(classify(&raw), Outcome::Ignored(Ignored::Marketing));
}

#[test]
fn empty_body_of_a_known_layout_is_unparsed() {
    let raw = b"From: bcrtarjestcta@bancobcr.com\r\n\
        Authentication-Results: mx.google.com; dmarc=pass header.from=bancobcr.com\r\n\
        Subject: =?utf-8?q?Notificaci=C3=B3n_de_Transacciones_BCR?=\r\n\r\nNada\r\n";
    assert_eq!(
        classify(raw),
        Outcome::Unparsed {
            bank: Bcr,
            reason: "no transaction found in the body".into()
        }
    );
}

#[test]
fn codes_and_names_round_trip() {
    for b in Bank::ALL {
        assert_eq!(Bank::from_code(b.as_str()), Some(b));
        assert!(!b.display_name().is_empty());
    }
    for k in Kind::ALL {
        assert_eq!(Kind::from_code(k.as_str()), Some(k));
    }
    for c in Currency::ALL {
        assert_eq!(Currency::from_code(c.code()), Some(c));
    }
    assert_eq!(money(2_200_000, Crc).to_string(), "CRC 22000.00");
    assert_eq!(Rejection::SpoofedSender.as_str(), "spoofed_sender");
    assert!(
        Rejection::NotAuthenticated
            .to_string()
            .starts_with("not authenticated")
    );
    assert_eq!(Ignored::OneTimeCode.as_str(), "one_time_code");
}

#[test]
fn gmail_query_names_every_sender() {
    let q = super::super::gmail_query();
    assert!(q.starts_with("from:(") && q.ends_with(')'), "{q}");
    for d in super::super::alert_domains() {
        assert!(q.contains(&format!(" {d}")), "{d} missing from {q}");
    }
    // Marketing domains the banks own are theirs, but not asked for.
    for d in ["infobaccredomatic.com", "baccredomatic.net"] {
        assert!(super::super::bank_domains().any(|b| b == d), "{d}");
        assert!(!q.contains(d), "{d} in {q}");
    }
    assert!(q.contains("AlertasScotiabank@scotiabank.com"), "{q}");
    for covered in ["mensajero@bancobcr.com", "NotificacionBAC@baccredomatic.cr"] {
        assert!(!q.contains(covered), "covered by its domain: {q}");
    }
    assert!(super::super::may_be_bank_sender(
        "NotificacionBAC@baccredomatic.cr"
    ));
    assert!(super::super::may_be_bank_sender(
        "nueva.direccion@baccredomatic.cr"
    ));
    assert!(!super::super::may_be_bank_sender(
        "promo@infobaccredomatic.com"
    ));
    assert!(!super::super::may_be_bank_sender("alguien@gmail.com"));
}

#[test]
fn a_from_fields_value_is_checked_word_by_word() {
    use super::super::from_may_be_bank;
    assert!(from_may_be_bank(
        "Notificación BAC <NotificacionBAC@baccredomatic.cr>"
    ));
    assert!(from_may_be_bank(
        "\"BAC, Credomatic\" <notificacion@baccredomatic.cr>"
    ));
    assert!(from_may_be_bank("mensajero@bancobcr.com"));
    assert!(from_may_be_bank(
        "Ana <ana@example.com>, (BCR) <mensajero@bancobcr.com>"
    ));
    assert!(!from_may_be_bank("Ana Mora <ana@example.com>"));
    assert!(!from_may_be_bank(
        "BAC Credomatic <promo@infobaccredomatic.com>"
    ));
    assert!(!from_may_be_bank("baccredomatic.cr"));
    assert!(!from_may_be_bank(""));
}
