//! BAC Credomatic. Card alerts and payment notices are label/value tables:
//!
//! ```text
//! Comercio:            AUTO MERCADO LOS YOSES
//! Ciudad y país:       SAN JOSE, Costa Rica
//! Fecha:               Nov 30, 2025, 09:09      (also `Ago 3, 2025, 14:05`, `Jul. 3, …`)
//! VISA                 ************3640         (brand as label, masked number as value)
//! Autorización:        123456
//! Referencia:          533412345678
//! Tipo de Transacción: COMPRA
//! Monto:               CRC 22,000.00            (USD and NIO too)
//! ```
//!
//! Payment notices carry `Fecha`, `Monto`, the card and `Referencia`.

use super::super::amount::parse_money;
use super::super::doc::Doc;
use super::super::model::{Bank, Kind, Transaction};
use super::super::text::{folded, non_empty};
use super::super::when::{clock, costa_rica, month_day_year};
use super::{city_country, masked_card_last4};

/// `Notificación de transacción …` from `notificacion@notificacionesbaccr.com`.
pub(super) fn card_transaction(doc: &Doc) -> Result<Vec<Transaction>, String> {
    let kind_text = required(doc, "Tipo de Transacción")?;
    let kind = match folded(kind_text).as_str() {
        k if k.starts_with("compra") => Kind::Purchase,
        _ => return Err(format!("unknown transaction type {kind_text:?}")),
    };
    let mut t = common(doc, kind)?;
    t.merchant = doc.value("Comercio").and_then(non_empty);
    if let Some(place) = doc.value("Ciudad y país") {
        (t.city, t.country) = city_country(place);
    }
    Ok(vec![t])
}

/// `Notificación de Pago` from `alerta@baccredomatic.com`: a payment made to the card.
pub(super) fn card_payment(doc: &Doc) -> Result<Vec<Transaction>, String> {
    Ok(vec![common(doc, Kind::Payment)?])
}

fn common(doc: &Doc, kind: Kind) -> Result<Transaction, String> {
    let amount = parse_money(required(doc, "Monto")?, None).map_err(|e| e.to_string())?;
    let occurred_at = date_time(required(doc, "Fecha")?)?;
    let mut t = Transaction::new(Bank::BacCredomatic, kind, amount, occurred_at);
    t.card_last4 = doc
        .rows()
        .iter()
        .flatten()
        .find_map(|cell| masked_card_last4(cell));
    t.authorization = doc.value("Autorización").and_then(non_empty);
    t.reference = doc.value("Referencia").and_then(non_empty);
    Ok(t)
}

fn required<'d>(doc: &'d Doc, label: &str) -> Result<&'d str, String> {
    doc.value(label)
        .ok_or_else(|| format!("no {label:?} in the body"))
}

/// `Nov 30, 2025, 09:09` in Costa Rica time.
fn date_time(value: &str) -> Result<time::OffsetDateTime, String> {
    let bad = || format!("unreadable date {value:?}");
    let (date, rest) = month_day_year(value.trim()).ok_or_else(bad)?;
    let rest = rest.trim_start();
    let rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    let (time, _) = clock(rest).ok_or_else(bad)?;
    costa_rica(date, time)
}
