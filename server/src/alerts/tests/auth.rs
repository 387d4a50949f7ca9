//! Authenticity, by rewriting the `Authentication-Results` headers of a genuine BCR alert.

use super::super::{Outcome, Rejection, classify};
use super::{fixture, insert_before, with_header};

const GOOD: &str = "bcr_card_base64.eml";
const REJECTED: Outcome = Outcome::Rejected(Rejection::NotAuthenticated);

/// The fixture with Gmail's header replaced by `lines` (empty: removed).
fn gmail_says(lines: &str) -> Outcome {
    classify(&with_header(fixture(GOOD), "Authentication-Results", lines))
}

fn accepted(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Transactions(list) if list.len() == 1)
}

#[test]
fn unauthenticated_mail_is_rejected() {
    let cases = [
        // No header at all (the ARC copy above it does not count).
        "",
        // Another authserv-id.
        "Authentication-Results: mx.evil.example;\r\n       dkim=pass header.i=@bancobcr.com \
         header.s=bcr2023;\r\n       dmarc=pass (p=REJECT) header.from=bancobcr.com",
        // dkim=fail.
        "Authentication-Results: mx.google.com;\r\n       dkim=fail (bad signature) \
         header.i=@bancobcr.com header.s=bcr2023 header.b=Qm9ndXM=;\r\n       spf=pass \
         smtp.mailfrom=bcrtarjestcta@bancobcr.com;\r\n       dmarc=fail (p=REJECT sp=REJECT \
         dis=QUARANTINE) header.from=bancobcr.com",
        // dkim=pass, but for another domain.
        "Authentication-Results: mx.google.com;\r\n       dkim=pass header.i=@evil.example \
         header.s=s1 header.b=Qm9ndXM=;\r\n       spf=pass smtp.mailfrom=x@evil.example;\r\n       \
         dmarc=fail (p=REJECT sp=REJECT dis=QUARANTINE) header.from=bancobcr.com",
        // dkim=pass for a domain that merely ends like the bank's.
        "Authentication-Results: mx.google.com; dkim=pass header.d=notbancobcr.com",
        // dkim=pass for a top-level domain.
        "Authentication-Results: mx.google.com; dkim=pass header.d=com",
        // dmarc=pass, but for another domain.
        "Authentication-Results: mx.google.com; dmarc=pass header.from=evil.example",
        // SPF alone proves nothing about the From header.
        "Authentication-Results: mx.google.com; spf=pass smtp.mailfrom=bancobcr.com",
        "Authentication-Results: mx.google.com; none",
        // dkim=neutral, dmarc=temperror.
        "Authentication-Results: mx.google.com; dkim=neutral header.d=bancobcr.com; \
         dmarc=temperror header.from=bancobcr.com",
    ];
    for lines in cases {
        assert_eq!(gmail_says(lines), REJECTED, "{lines}");
    }
}

#[test]
fn a_forged_header_below_gmails_does_not_count() {
    let real_fail = with_header(
        fixture(GOOD),
        "Authentication-Results",
        "Authentication-Results: mx.google.com; dkim=fail header.i=@bancobcr.com; \
         dmarc=fail header.from=bancobcr.com",
    );
    let forged = insert_before(
        &real_fail,
        "DKIM-Signature",
        "Authentication-Results: mx.google.com;\r\n       dkim=pass header.i=@bancobcr.com \
         header.s=bcr2023;\r\n       dmarc=pass (p=REJECT) header.from=bancobcr.com",
    );
    assert_eq!(classify(&forged), REJECTED);
    // The same forgery as a shipped fixture.
    assert_eq!(
        classify(fixture("bcr_forged_unauthenticated.eml")),
        REJECTED
    );
}

#[test]
fn headers_of_other_servers_above_gmails_are_ignored() {
    let relay_pass = "Authentication-Results: relay.example; dkim=pass header.d=bancobcr.com; \
                      dmarc=pass header.from=bancobcr.com";
    let relay_fail = "Authentication-Results: relay.example; dkim=fail header.d=bancobcr.com";
    // A relay says fail, Gmail says pass: accepted.
    let raw = insert_before(fixture(GOOD), "Delivered-To", relay_fail);
    assert!(accepted(&classify(&raw)));
    // A relay says pass, Gmail says fail: rejected.
    let raw = insert_before(
        &with_header(
            fixture(GOOD),
            "Authentication-Results",
            "Authentication-Results: mx.google.com; dkim=fail header.d=bancobcr.com",
        ),
        "Delivered-To",
        relay_pass,
    );
    assert_eq!(classify(&raw), REJECTED);
}

#[test]
fn either_dkim_or_dmarc_is_enough() {
    for lines in [
        "Authentication-Results: mx.google.com; dkim=pass header.i=@bancobcr.com header.s=s",
        "Authentication-Results: mx.google.com; dkim=pass header.d=bancobcr.com",
        "Authentication-Results: mx.google.com; dkim=pass header.i=bcrtarjestcta@BancoBCR.com",
        "Authentication-Results: mx.google.com; spf=fail smtp.mailfrom=x@y.example; \
         dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=bancobcr.com",
        "Authentication-Results: mx.google.com;\r\n       dkim=pass header.i=@evil.example;\r\n       \
         dkim=pass header.i=@bancobcr.com",
    ] {
        assert!(accepted(&gmail_says(lines)), "{lines}");
    }
}
