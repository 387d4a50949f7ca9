//! Sample mails in Gmail's `format=raw` form (CRLF line ends), one or more per layout, plus
//! mails that must be refused or ignored. Written for the tests, the benchmark and demo data:
//! every person, merchant, amount, host and IP address in them is invented (IPs are from the
//! documentation ranges).

/// One sample mail.
#[derive(Debug, Clone, Copy)]
pub struct Fixture {
    /// File name under `alerts/fixtures/`.
    pub name: &'static str,
    pub raw: &'static [u8],
}

macro_rules! fixtures {
    ($($name:literal),* $(,)?) => {
        &[$(Fixture { name: $name, raw: include_bytes!(concat!("fixtures/", $name)) }),*]
    };
}

/// Every sample mail, in a stable order.
pub const ALL: &[Fixture] = fixtures![
    "bac_2025_p_layout.eml",
    "bac_2025_plain_text.eml",
    "bac_2026_automatic_charge.eml",
    "bac_2026_card_check_zero.eml",
    "bac_2026_cash_advance.eml",
    "bac_2026_cents_only.eml",
    "bac_2026_points_payment.eml",
    "bac_2026_purchase_master_usd.eml",
    "bac_2026_purchase_visa_crc.eml",
    "bac_2026_refund_amex.eml",
    "bac_2026_unknown_layout.eml",
    "bac_2026_unknown_type.eml",
    "bac_2026_withdrawal_atm.eml",
    "bac_card_payment_2025.eml",
    "bac_cardless_created.eml",
    "bac_cardless_withdrawn.eml",
    "bac_local_transfer_in.eml",
    "bac_otp.eml",
    "bac_payment.eml",
    "bac_purchase_crc.eml",
    "bac_purchase_latin1_qp.eml",
    "bac_purchase_nio.eml",
    "bac_purchase_usd_ago.eml",
    "bac_purchase_usd_jul_html_only.eml",
    "bac_service_payment_2026.eml",
    "bac_sinpe_2025_old_sender.eml",
    "bac_sinpe_2026_in.eml",
    "bac_sinpe_2026_out.eml",
    "bac_sinpe_2026_rejected.eml",
    "bac_statement_2026.eml",
    "bcr_card_2026_no_referencia.eml",
    "bcr_card_2026_usd_declined.eml",
    "bcr_card_base64.eml",
    "bcr_card_three_rows.eml",
    "bcr_forged_unauthenticated.eml",
    "bcr_marketing.eml",
    "bcr_sinpe_2026_in.eml",
    "bcr_sinpe_2026_out.eml",
    "bcr_sinpe_in.eml",
    "bcr_sinpe_out.eml",
    "bncr_marketing.eml",
    "bncr_voucher_ambiguous.eml",
    "bncr_voucher_crc_comma.eml",
    "bncr_voucher_usd.eml",
    "davibank_debit_2026.eml",
    "davibank_purchase_html_only.eml",
    "davivienda_autorizacion_crc.eml",
    "davivienda_autorizacion_usd.eml",
    "davivienda_statement.eml",
    "personal_not_bank.eml",
    "promerica_marketing.eml",
    "promerica_purchase_crc.eml",
    "promerica_purchase_usd.eml",
    "scotiabank_purchase.eml",
    "spoof_bac_display_name.eml",
    "spoof_bac_lookalike_co.eml",
];

/// The sample mail with this file name.
pub fn get(name: &str) -> Option<&'static [u8]> {
    ALL.iter().find(|f| f.name == name).map(|f| f.raw)
}

/// Mail built to hurt a parser (for tests, the sync's chaos tests and benchmarks): built in
/// memory, never stored. Each sits under one of two headers: a BAC alert address whose Gmail
/// verdict passes, or anyone.
pub mod hostile {
    use super::super::Refusal;

    /// From a bank's alert address, with a passing Gmail verdict.
    pub const BANK_HEADER: &str = "From: BAC Credomatic <NotificacionBAC@baccredomatic.cr>\r\n\
        Authentication-Results: mx.google.com; dkim=pass header.i=@baccredomatic.cr;\r\n \
        dmarc=pass header.from=baccredomatic.cr\r\n\
        Subject: Notificacion de transaccion\r\nMIME-Version: 1.0\r\n";
    /// From someone who is no bank.
    pub const OTHER_HEADER: &str = "From: Alguien <alguien@example.com>\r\nSubject: hola\r\n\
        MIME-Version: 1.0\r\n";

    /// A header line a megabyte long.
    pub fn long_header_line(header: &str) -> Vec<u8> {
        let mut raw = header.as_bytes().to_vec();
        raw.extend_from_slice(b"X-Padding: ");
        raw.extend(std::iter::repeat_n(b'a', 1024 * 1024));
        raw.extend_from_slice(b"\r\n\r\nhola\r\n");
        raw
    }

    /// `levels` messages each inside the last (`message/rfc822`).
    pub fn nested_messages(header: &str, levels: usize) -> Vec<u8> {
        let mut raw = header.as_bytes().to_vec();
        for _ in 0..levels {
            raw.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
        }
        raw.extend_from_slice(b"Subject: fondo\r\n\r\nhola\r\n");
        raw
    }

    /// `levels` multiparts each inside the last.
    pub fn nested_multiparts(header: &str, levels: usize) -> Vec<u8> {
        let mut raw = header.as_bytes().to_vec();
        for n in 0..levels {
            raw.extend_from_slice(
                format!("Content-Type: multipart/mixed; boundary=\"b{n}\"\r\n\r\n--b{n}\r\n")
                    .as_bytes(),
            );
        }
        raw.extend_from_slice(b"Content-Type: text/plain\r\n\r\nhola\r\n");
        raw
    }

    /// One multipart with `count` delimiters and no closing one.
    pub fn endless_boundaries(header: &str, count: usize) -> Vec<u8> {
        let mut raw = header.as_bytes().to_vec();
        raw.extend_from_slice(b"Content-Type: multipart/mixed; boundary=x\r\n\r\n");
        for _ in 0..count {
            raw.extend_from_slice(b"--x\r\nContent-Type: text/plain\r\n\r\nhola\r\n");
        }
        raw
    }

    /// 50 MB of body.
    pub fn huge(header: &str) -> Vec<u8> {
        let mut raw = header.as_bytes().to_vec();
        raw.extend_from_slice(b"Content-Type: text/plain\r\n\r\n");
        let line = [b'a'; 78];
        while raw.len() < 50 * 1024 * 1024 {
            raw.extend_from_slice(&line);
            raw.extend_from_slice(b"\r\n");
        }
        raw
    }

    /// Every bomb with `header` on top: what it is, its bytes, and the refusal it earns.
    pub fn bombs(header: &str) -> Vec<(&'static str, Vec<u8>, Refusal)> {
        vec![
            (
                "200,000 nested messages",
                nested_messages(header, 200_000),
                Refusal::TooDeep,
            ),
            (
                "100,000 nested multiparts",
                nested_multiparts(header, 100_000),
                Refusal::TooDeep,
            ),
            (
                "50,000 unterminated boundaries",
                endless_boundaries(header, 50_000),
                Refusal::TooManyParts,
            ),
            ("a 50 MB message", huge(header), Refusal::TooLarge),
            (
                "a 1 MB header line",
                long_header_line(header),
                Refusal::LineTooLong,
            ),
        ]
    }
}
