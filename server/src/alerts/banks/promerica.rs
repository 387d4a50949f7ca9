//! Promerica's card alert (`Tu transacción fue procesada ¡Revisá tu comprobante!`, from
//! `info@promerica.fi.cr`): a two-column table whose labels have no colons.
//!
//! ```text
//! Comercio                 SERVICENTRO LA UNION   CARTAGO   CR
//! Tipo de Comercio         GAS STATIONS
//! Ciudad/País              COSTA RICA
//! Fecha/hora               16 sep 2026 / 17:53
//! Número de tarjeta        ****-****-****-1234
//! Número de autorización   828703
//! Número de referencia     4254467398
//! Monto                    CRC: 20,000.00
//! ```
//!
//! The same sender sends promotions; those have another subject.

use super::super::amount::parse_money;
use super::super::doc::Doc;
use super::super::model::{Bank, Kind, Transaction};
use super::super::text::non_empty;
use super::super::when::costa_rica_date_time;
use super::masked_card_last4;

pub(super) fn card_alert(doc: &Doc) -> Result<Vec<Transaction>, String> {
    let value = |label: &str| {
        doc.value(label)
            .ok_or_else(|| format!("no {label:?} in the body"))
    };
    let amount = parse_money(value("Monto")?, None).map_err(|e| e.to_string())?;
    let occurred_at = costa_rica_date_time(value("Fecha/hora")?, "date")?;
    let mut t = Transaction::new(Bank::Promerica, Kind::Purchase, amount, occurred_at);
    t.merchant = doc.value("Comercio").and_then(non_empty);
    t.country = doc.value("Ciudad/País").and_then(non_empty);
    t.card_last4 = doc.value("Número de tarjeta").and_then(masked_card_last4);
    t.authorization = doc.value("Número de autorización").and_then(non_empty);
    t.reference = doc.value("Número de referencia").and_then(non_empty);
    Ok(vec![t])
}
