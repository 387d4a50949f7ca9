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
