//! The sender rules, by rewriting the From header of a genuine SINPE Móvil alert.

use super::super::{Ignored, Outcome, Rejection, classify};
use super::{fixture, insert_before, with_header};

const GOOD: &str = "bcr_sinpe_out.eml";

fn from(lines: &str) -> Outcome {
    classify(&with_header(fixture(GOOD), "From", lines))
}

#[test]
fn spoofed_and_look_alike_senders_are_rejected() {
    let spoofs = [
        // A bank domain as prefix of another domain.
        "From: mensajero@bancobcr.com.evil.example",
        // A bank domain as suffix without a dot boundary.
        "From: mensajero@notbancobcr.com",
        // A trailing dot.
        "From: mensajero@bancobcr.com.",
        // A Cyrillic "о".
        "From: mensajero@banc\u{43e}bcr.com",
        // Full-width letters.
        "From: mensajero@\u{ff42}\u{ff41}\u{ff4e}\u{ff43}\u{ff4f}bcr.com",
        // A zero-width space.
        "From: mensajero@banco\u{200b}bcr.com",
        // Two mailboxes in one From.
        "From: <mensajero@bancobcr.com>, <alertas@evil.example>",
        "From: alertas@evil.example, BCR <mensajero@bancobcr.com>",
        // Two From headers.
        "From: mensajero@bancobcr.com\r\nFrom: alertas@evil.example",
        // The address only in the display name.
        "From: \"mensajero@bancobcr.com\" <alertas@evil.example>",
        "From: \"mensajero@bancobcr.com\"",
        "From: mensajero@bancobcr.com <alertas@evil.example>",
        // The bank domain as display name, plain or RFC 2047-encoded.
        "From: bancobcr.com <alertas@evil.example>",
        "From: =?utf-8?B?bWVuc2FqZXJvQGJhbmNvYmNyLmNvbQ==?= <alertas@evil.example>",
        // Group syntax.
        "From: Bancos: mensajero@bancobcr.com;",
        // The bank address as local part.
        "From: \"mensajero@bancobcr.com\"@evil.example",
        "From: mensajero@bancobcr.com@evil.example",
        "From: bancobcr.com@evil.example",
        // Near misses of the domain.
        "From: mensajero@bancobcr.co",
        "From: mensajero@bancobrc.com",
        "From: mensajero@bancobcr.corn",
        "From: mensajero@bancobcr-com.example",
        "From: notificacion@notificacionesbac.com",
        "From: Alertas@davibank.cr.example",
    ];
    assert!(spoofs.len() >= 12);
    for line in spoofs {
        assert_eq!(
            from(line),
            Outcome::Rejected(Rejection::SpoofedSender),
            "{line}"
        );
    }
}

#[test]
fn only_the_from_address_counts() {
    let good = classify(fixture(GOOD));
    assert!(matches!(good, Outcome::Transactions(_)), "{good:?}");
    // Case, display names and comments do not matter.
    for line in [
        "From: MENSAJERO@BANCOBCR.COM",
        "From: \"alertas@evil.example\" <mensajero@bancobcr.com>",
        "From: mensajero@bancobcr.com (BCR)",
        "From: =?utf-8?q?Banco_de_Costa_Rica?= <Mensajero@BancoBCR.com>",
    ] {
        assert_eq!(from(line), good, "{line}");
    }
    // Sender and Reply-To pointing at the bank make nothing a bank mail.
    let raw = with_header(
        fixture(GOOD),
        "From",
        "From: Alertas <alertas@evil.example>\r\nSender: mensajero@bancobcr.com\r\n\
         Reply-To: mensajero@bancobcr.com",
    );
    assert_eq!(classify(&raw), Outcome::NotBank);
    // Other senders are not banks.
    for line in [
        "From: Juan Demo <juan.demo.cr@gmail.com>",
        "From: Tienda <ventas@tienda-demo.example>",
        "From: news@scotiabank.com",
        "From: <>",
        "From: undisclosed-recipients:;",
    ] {
        assert_eq!(from(line), Outcome::NotBank, "{line}");
    }
    // A message without any From header.
    assert_eq!(from(""), Outcome::NotBank);
}

#[test]
fn subdomains_of_bank_domains_are_the_bank() {
    // dkim header.i=@bancobcr.com vouches for alertas.bancobcr.com (a parent domain).
    let outcome = from("From: avisos@alertas.bancobcr.com");
    assert_eq!(outcome, Outcome::Ignored(Ignored::Marketing));
    // But a subdomain is not the exact alert address, so its alert is not read.
    let raw = insert_before(
        &with_header(
            fixture(GOOD),
            "From",
            "From: mensajero@alertas.bancobcr.com",
        ),
        "DKIM-Signature",
        "X-Note: subdomain",
    );
    assert_eq!(classify(&raw), Outcome::Ignored(Ignored::Marketing));
}
