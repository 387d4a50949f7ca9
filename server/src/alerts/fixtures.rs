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
    "bac_purchase_crc.eml",
    "bac_purchase_usd_ago.eml",
    "bac_purchase_usd_jul_html_only.eml",
    "bac_purchase_latin1_qp.eml",
    "bac_purchase_nio.eml",
    "bac_payment.eml",
    "bac_otp.eml",
    "bcr_card_three_rows.eml",
    "bcr_card_base64.eml",
    "bcr_sinpe_out.eml",
    "bcr_sinpe_in.eml",
    "davibank_purchase_html_only.eml",
    "scotiabank_purchase.eml",
    "bcr_marketing.eml",
    "spoof_bac_display_name.eml",
    "bcr_forged_unauthenticated.eml",
    "personal_not_bank.eml",
];

/// The sample mail with this file name.
pub fn get(name: &str) -> Option<&'static [u8]> {
    ALL.iter().find(|f| f.name == name).map(|f| f.raw)
}
