//! BAC Credomatic.
//!
//! **Card alerts** (`Notificación de transacción …`, from the three addresses of
//! `BAC_CARD_ALERTS`) are label/value rows; in 2026 they sit three tables deep:
//!
//! ```text
//! Comercio:            AUTO MERCADO LOS YOSES
//! Ciudad y país:       SAN JOSE, Costa Rica     (also `CUPERTINO, Pais no Definido`)
//! Fecha:               Sep 23, 2026 , 09:13     (also `Nov 30, 2025, 09:09`, `Ago 3, …`)
//! MASTER:              ************3640         (the network as label: VISA:, MASTER:, AMEX:)
//! Autorización:        123456
//! Referencia:          533412345678             (may be blank)
//! Tipo de Transacción: COMPRA                   (DEVOLUCION, CARGO AUTOMATICO, PAGO, …)
//! Monto:               CRC 22,000.00            (USD, NIO; `USD .99`; `USD .00` is a card check)
//! ```
//!
//! **SINPE notices** (`Notificación de Transferencia`) are one sentence: `… la transferencia
//! SINPE … con el número de referencia 2026…, se acreditó en la cuenta IBAN … por un monto de
//! 20,000.00 Colones, por concepto de ahorro. Día y hora 12/09/2026 07:22:13 p.m.`; money out
//! says `debitando su cuenta`, a refused one `fue rechazada`. They never name the other party.
//!
//! **Receipts** from `alerta@baccredomatic.com`: a local transfer received (`… realizó una
//! transferencia electrónica a su cuenta … el día 29-11-2025 a las 08:06:22 horas; por un monto
//! de 2.500,00 CRC, por concepto de: …`), a card payment (`Monto del pago`, `Fecha de pago:
//! 2025/11/28 08:18:46`), a service payment (`Comprobante de Pago de Servicios`) and a cardless
//! withdrawal (`Retiro sin tarjeta retirado`).

use super::super::amount::parse_money;
use super::super::doc::Doc;
use super::super::model::{Bank, Currency, Kind, Transaction};
use super::super::text::{find_folded, folded, leading_digits, non_empty};
use super::super::when::costa_rica_date_time;
use super::{city_country, masked_card_last4};

/// A card alert, in any of its layouts and from any of its senders.
pub(super) fn card_alert(doc: &Doc) -> Result<Vec<Transaction>, String> {
    let kind =
        card_kind(required(doc, "Tipo de Transacción")?).ok_or("unknown transaction type")?;
    let amount = parse_money(required(doc, "Monto")?, None).map_err(|e| e.to_string())?;
    let occurred_at = costa_rica_date_time(required(doc, "Fecha")?, "date")?;
    let mut t = Transaction::new(Bank::BacCredomatic, kind, amount, occurred_at);
    t.card_last4 = card_in_rows(doc);
    t.authorization = doc.value("Autorización").and_then(non_empty);
    t.reference = doc.value("Referencia").and_then(non_empty);
    t.merchant = doc.value("Comercio").and_then(non_empty);
    if let Some(place) = doc.value("Ciudad y país") {
        (t.city, t.country) = city_country(place);
    }
    Ok(vec![t])
}

/// The kind a card alert's `Tipo de Transacción` names.
fn card_kind(text: &str) -> Option<Kind> {
    let word = folded(text);
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| word.starts_with(p));
    if starts(&["compra", "cargo automatico"]) {
        Some(Kind::Purchase)
    } else if starts(&["devolucion", "reversion", "anulacion"]) {
        Some(Kind::Refund)
    } else if starts(&["retiro", "avance de efectivo", "cuasi"]) {
        Some(Kind::Withdrawal)
    } else if starts(&["pago"]) {
        Some(Kind::Payment)
    } else {
        None
    }
}

/// A SINPE transfer notice: money in, money out, or a transfer the bank refused.
pub(super) fn sinpe_notice(doc: &Doc) -> Result<Vec<Transaction>, String> {
    let text = doc.text();
    let s = text.as_str();
    let has = |needle: &str| find_folded(s, needle, 0).is_some();
    let kind = if has("fue rechazada") {
        Kind::Declined
    } else if has("se acredito") || has("recibio una transferencia") {
        Kind::TransferIn
    } else if has("debitando su cuenta") || has("orden de debito") {
        Kind::TransferOut
    } else {
        return Err("the notice says neither money in nor money out".into());
    };
    let amount = amount_after(s, "por un monto de ")?;
    let occurred_at = match find_folded(s, "dia y hora", 0) {
        Some((_, at)) => costa_rica_date_time(s[at..].trim_start_matches([':', ' ']), "date")?,
        None => {
            let (_, at) = find_folded(s, "el dia ", 0).ok_or("no date")?;
            costa_rica_date_time(&s[at..], "date")?
        }
    };
    let mut t = Transaction::new(Bank::BacCredomatic, kind, amount, occurred_at);
    t.reference = number_after(s, "numero de referencia");
    t.memo = find_folded(s, "por concepto", 0).and_then(|(_, at)| {
        let rest = s[at..].trim_start();
        let rest = rest.strip_prefix("de ").unwrap_or(rest);
        let end = rest.find([',', '.']).unwrap_or(rest.len());
        non_empty(rest[..end].trim_end_matches('_'))
    });
    Ok(vec![t])
}

/// A local transfer received (`… realizó una transferencia electrónica a su cuenta …`).
pub(super) fn local_transfer(doc: &Doc) -> Result<Vec<Transaction>, String> {
    let text = doc.text();
    let s = text.as_str();
    let (_, who_at) = find_folded(s, "le comunica que ", 0).ok_or("no sender of the transfer")?;
    let (who_end, _) =
        find_folded(s, " realizo una transferencia", who_at).ok_or("no sender of the transfer")?;
    let (_, date_at) = find_folded(s, "se realizo el dia ", who_end).ok_or("no date")?;
    let occurred_at = costa_rica_date_time(&s[date_at..], "date")?;
    let amount = amount_after(s, "por un monto de ")?;
    let mut t = Transaction::new(Bank::BacCredomatic, Kind::TransferIn, amount, occurred_at);
    t.merchant = non_empty(&s[who_at..who_end]);
    t.reference = number_after(s, "numero de referencia es");
    t.memo = find_folded(s, "por concepto de:", 0).and_then(|(_, at)| {
        let end = find_folded(s, "el numero de referencia", at).map_or(s.len(), |(e, _)| e);
        non_empty(s[at..end].trim().trim_end_matches('.'))
    });
    Ok(vec![t])
}

/// `Notificación de Pago`: a payment to a card (`Comprobante de Pago de Tarjeta`), or a bill
/// paid to a service (`Comprobante de Pago de Servicios`).
pub(super) fn payment_receipt(doc: &Doc) -> Result<Vec<Transaction>, String> {
    let text = doc.text();
    if let Some((_, at)) = find_folded(&text, "pago de servicio de ", 0) {
        let amount = parse_money(required(doc, "Monto")?, None).map_err(|e| e.to_string())?;
        let when = costa_rica_date_time(required(doc, "Fecha de Pago")?, "date")?;
        let mut t = Transaction::new(Bank::BacCredomatic, Kind::ServicePayment, amount, when);
        let end = find_folded(&text, " desde", at).map_or(text.len(), |(e, _)| e);
        t.merchant = non_empty(&text[at..end]);
        t.authorization = doc.value("Número de Autorización").and_then(non_empty);
        t.card_last4 = doc.value("Forma de Pago").and_then(masked_card_last4);
        return Ok(vec![t]);
    }
    let amount = doc
        .value("Monto del pago")
        .or_else(|| doc.value("Monto"))
        .ok_or("no \"Monto\" in the body")?;
    let amount = parse_money(amount, None).map_err(|e| e.to_string())?;
    let when = doc
        .value("Fecha de pago")
        .or_else(|| doc.value("Fecha"))
        .ok_or("no \"Fecha\" in the body")?;
    let when = costa_rica_date_time(when, "date")?;
    let mut t = Transaction::new(Bank::BacCredomatic, Kind::Payment, amount, when);
    t.card_last4 = card_in_rows(doc);
    t.reference = doc.value("Referencia").and_then(non_empty);
    Ok(vec![t])
}

/// `Retiro sin tarjeta retirado`: cash taken with a code, without the card.
pub(super) fn cardless_withdrawal(doc: &Doc) -> Result<Vec<Transaction>, String> {
    let amount = parse_money(required(doc, "Monto")?, None).map_err(|e| e.to_string())?;
    let when = required(doc, "Fecha y hora en qué se retiró el dinero")?;
    let when = costa_rica_date_time(when, "date")?;
    let mut t = Transaction::new(Bank::BacCredomatic, Kind::Withdrawal, amount, when);
    t.merchant = doc
        .value("Lugar donde se retiró el dinero")
        .and_then(non_empty);
    Ok(vec![t])
}

/// The first masked card number in any cell.
fn card_in_rows(doc: &Doc) -> Option<String> {
    doc.rows()
        .iter()
        .flatten()
        .find_map(|cell| masked_card_last4(cell))
}

/// The amount and its currency word right after `label` (`20,000.00 Colones`, `2.500,00 CRC`).
fn amount_after(s: &str, label: &str) -> Result<super::super::model::Money, String> {
    let (_, at) = find_folded(s, label, 0).ok_or("no amount")?;
    let mut words = s[at..].split_whitespace();
    let number = words.next().ok_or("no amount")?;
    let currency = words
        .next()
        .map(|w| w.trim_end_matches(|c: char| !c.is_alphanumeric()))
        .unwrap_or_default();
    parse_money(&format!("{number} {currency}"), Some(Currency::Crc)).map_err(|e| e.to_string())
}

/// The digits after `label` (spaces and a colon skipped).
fn number_after(s: &str, label: &str) -> Option<String> {
    let (_, at) = find_folded(s, label, 0)?;
    non_empty(leading_digits(s[at..].trim_start_matches([' ', ':'])))
}

fn required<'d>(doc: &'d Doc, label: &str) -> Result<&'d str, String> {
    doc.value(label)
        .ok_or_else(|| format!("no {label:?} in the body"))
}
