//! Every layout and variant, with every extracted field checked exactly.

use time::OffsetDateTime;
use time::macros::datetime;

use super::super::{
    Bank, Currency, Ignored, Kind, Money, Outcome, Rejection, Transaction, classify, fixtures,
};

pub(super) fn money(minor_units: i64, currency: Currency) -> Money {
    Money {
        minor_units,
        currency,
    }
}

fn some(s: &str) -> Option<String> {
    Some(s.to_owned())
}

#[allow(clippy::too_many_arguments)]
pub(super) fn card(
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

fn place(t: Transaction, city: &str, country: &str) -> Transaction {
    Transaction {
        city: some(city),
        country: some(country),
        ..t
    }
}

pub(super) fn indexed(list: Vec<Transaction>) -> Outcome {
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

fn sinpe(kind: Kind, amount: Money, at: OffsetDateTime, who: &str, memo: &str, r: &str) -> Outcome {
    indexed(vec![Transaction {
        merchant: some(who),
        memo: some(memo),
        reference: some(r),
        ..Transaction::new(Bank::Bcr, kind, amount, at)
    }])
}

use Bank::*;
use Currency::*;
use Kind::*;

/// What each fixture must give.
pub(super) fn expected(name: &str) -> Outcome {
    let bac = |amount, at, merchant, last4, auth, r, city, country| {
        indexed(vec![place(
            card(
                BacCredomatic,
                Purchase,
                amount,
                at,
                merchant,
                last4,
                Some(auth),
                r,
            ),
            city,
            country,
        )])
    };
    match name {
        // CRC, English month.
        "bac_purchase_crc.eml" => bac(
            money(2_200_000, Crc),
            datetime!(2025-11-30 15:09 UTC),
            "AUTO MERCADO LOS YOSES",
            "3640",
            "084512",
            "533412345678",
            "SAN JOSE",
            "Costa Rica",
        ),
        // USD, Spanish month `Ago`, base64 HTML.
        "bac_purchase_usd_ago.eml" => bac(
            money(3_849, Usd),
            datetime!(2025-08-03 20:05 UTC),
            "LIBRERIA INTERNACIONAL MULTIPLAZA",
            "6380",
            "311907",
            "521509876543",
            "ESCAZU",
            "Costa Rica",
        ),
        // HTML only, `Jul.`, crossing midnight in UTC.
        "bac_purchase_usd_jul_html_only.eml" => bac(
            money(1_000, Usd),
            datetime!(2025-07-19 02:41 UTC),
            "STREAMFLIX.COM",
            "3640",
            "650233",
            "519903217788",
            "LOS GATOS",
            "Estados Unidos",
        ),
        // ISO-8859-1, quoted-printable, `Dic`.
        "bac_purchase_latin1_qp.eml" => bac(
            money(435_000, Crc),
            datetime!(2025-12-07 00:22 UTC),
            "PANADERÍA LA ESPIGA DORADA",
            "5521",
            "402118",
            "534018765432",
            "SAN PEDRO",
            "Costa Rica",
        ),
        "bac_purchase_nio.eml" => bac(
            money(125_000, Nio),
            datetime!(2026-01-21 17:03 UTC),
            "SUPERMERCADO LA COLONIA",
            "3640",
            "118842",
            "602111223344",
            "MANAGUA",
            "Nicaragua",
        ),
        "bac_payment.eml" => indexed(vec![Transaction {
            card_last4: some("6380"),
            reference: some("FT25336QX7K2"),
            ..Transaction::new(
                BacCredomatic,
                Payment,
                money(15_000_000, Crc),
                datetime!(2025-12-02 16:15 UTC),
            )
        }]),
        "bac_otp.eml" => Outcome::Ignored(Ignored::OneTimeCode),
        "bcr_card_three_rows.eml" => indexed(vec![
            card(
                Bcr,
                Purchase,
                money(1_250_000, Crc),
                datetime!(2025-12-05 19:45:10 UTC),
                "MAS X MENOS CURRIDABAT",
                "9282",
                Some("084213"),
                "533912345678",
            ),
            card(
                Bcr,
                Declined,
                money(8_990_000, Crc),
                datetime!(2025-12-06 00:02:55 UTC),
                "TIENDA ELECTRONICA DEMO",
                "9282",
                None,
                "533912349901",
            ),
            card(
                Bcr,
                Purchase,
                money(2_599, Usd),
                datetime!(2025-12-06 13:15:03 UTC),
                "STREAMFLIX.COM",
                "9282",
                Some("771204"),
                "533912350077",
            ),
        ]),
        "bcr_card_base64.eml" => indexed(vec![card(
            Bcr,
            Purchase,
            money(780_000, Crc),
            datetime!(2026-01-14 18:10:44 UTC),
            "SODA LA ESQUINA HEREDIA",
            "4417",
            Some("339871"),
            "601412223344",
        )]),
        "bcr_sinpe_out.eml" => sinpe(
            TransferOut,
            money(1_500_000, Crc),
            datetime!(2025-09-14 21:42 UTC),
            "MARIA FERNANDA SOLIS DEMO",
            "Almuerzo del viernes",
            "2025091415420001234567",
        ),
        // `₡22.000,00`: Spanish separators and a colón sign.
        "bcr_sinpe_in.eml" => sinpe(
            TransferIn,
            money(2_200_000, Crc),
            datetime!(2026-01-02 15:07 UTC),
            "CARLOS ANDRES MORA DEMO",
            "Cuota paseo a la playa",
            "2026010209070009876543",
        ),
        "davibank_purchase_html_only.eml" => indexed(vec![card(
            Davibank,
            Purchase,
            money(2_055_000, Crc),
            datetime!(2025-10-15 01:32 UTC),
            "AUTO MERCADO ESCAZU SAN JOSE CR",
            "9938",
            Some("496613"),
            "617622814875",
        )]),
        "scotiabank_purchase.eml" => indexed(vec![card(
            Davibank,
            Purchase,
            money(745, Usd),
            datetime!(2025-02-23 05:58 UTC),
            "UBER TRIP HELP.UBER.COM NL",
            "1027",
            Some("220931"),
            "505311298876",
        )]),
        "bcr_marketing.eml" => Outcome::Ignored(Ignored::Marketing),
        "spoof_bac_display_name.eml" => Outcome::Rejected(Rejection::SpoofedSender),
        "bcr_forged_unauthenticated.eml" => Outcome::Rejected(Rejection::NotAuthenticated),
        "personal_not_bank.eml" => Outcome::NotBank,
        other => panic!("no expectation for fixture {other}"),
    }
}

#[test]
fn every_fixture_gives_exactly_what_it_says() {
    for f in fixtures::ALL {
        assert_eq!(classify(f.raw), expected(f.name), "{}", f.name);
    }
}
