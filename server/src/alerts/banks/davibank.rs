//! DAVIbank, formerly Scotiabank (`Alerta Transacción Tarjeta de Crédito Titular`). The body is
//! one sentence:
//!
//! ```text
//! … la transacción realizada en AUTO MERCADO ESCAZU SAN JOSE CR, el día 14/10/2025 a las
//! 07:32 PM con su tarjeta de crédito titular MC terminada en 9938 con número de autorización
//! 496613 y referencia 617622814875 por CRC 20,550.00, fue aprobada.
//! ```
//!
//! Merchant, city and country run together with nothing to tell them apart, so the whole
//! phrase is kept as the merchant. `fue rechazada` (or `denegada`) records a declined one.
//!
//! Davivienda's own authorizations (`Davivienda Autorizaciones`, from
//! `costarica_clientes@davivienda.cr`) are one sentence too, each value in bold:
//!
//! ```text
//! Davivienda le informa de la transacción realizada en: AUTO MERCADO ESCAZU SAN JOSE CR, el
//! 23/09/2026, a las 07:21, con la tarjeta DAVIVIENDA VISA INFI terminada en *1234,
//! Autorización #673007, Ref#626607211524, en Colones por 5,900.00
//! ```
//!
//! Debit-card notices are label/value rows: `Transacción realizada en:`, `Ciudad:`, `País:`,
//! `Fecha y hora: 03 - 04 - 2026 12:19:19`, `Número de la tarjeta:`, `Número de
//! autorización:`, `Número de referencia:`, `Moneda: CRC`, `Monto: 15120.00`.

use super::super::amount::{currency_from_name, parse_money, parse_number, to_money};
use super::super::doc::Doc;
use super::super::model::{Bank, Kind, Transaction};
use super::super::text::{find_folded, fold, leading_digits, non_empty};
use super::super::when::{clock, costa_rica, costa_rica_date_time, day_month_year};
use super::masked_card_last4;

/// `Davivienda Autorizaciones`: an approved card transaction.
pub(super) fn authorization(doc: &Doc) -> Result<Vec<Transaction>, String> {
    // Bold values leave a space before the commas that follow them.
    let text = doc.text().replace(" ,", ",");
    let s = text.as_str();
    let find = |needle: &str, from: usize| {
        find_folded(s, needle, from)
            .ok_or_else(|| format!("no {:?} in the sentence", needle.trim()))
    };
    let (_, m_start) = find("realizada en:", 0)?;
    let (m_end, date_at) = find(", el ", m_start)?;
    let occurred_at = costa_rica_date_time(&s[date_at..], "date")?;
    let (_, card_at) = find("terminada en", date_at)?;
    let card = leading_digits(s[card_at..].trim_start_matches([' ', '*']));
    let (_, auth_at) = find("autorizacion", card_at)?;
    let authorization = leading_digits(s[auth_at..].trim_start_matches([' ', '#']));
    let (_, ref_at) = find("ref#", auth_at)?;
    let reference = leading_digits(s[ref_at..].trim_start());
    let (_, currency_at) = find(", en ", ref_at)?;
    let (currency_end, amount_at) = find(" por ", currency_at)?;
    let currency = currency_from_name(&s[currency_at..currency_end]).ok_or("unknown currency")?;
    let number = s[amount_at..].split_whitespace().next().unwrap_or_default();
    let amount = parse_number(number)
        .and_then(|n| to_money(n, currency))
        .map_err(|e| e.to_string())?;
    if card.len() != 4 {
        return Err("the card ending is not four digits".into());
    }
    let mut t = Transaction::new(Bank::Davibank, Kind::Purchase, amount, occurred_at);
    t.merchant = non_empty(&s[m_start..m_end]);
    t.card_last4 = Some(card.to_owned());
    t.authorization = non_empty(authorization);
    t.reference = non_empty(reference);
    Ok(vec![t])
}

/// A debit-card notice from `Alertas@davibank.cr`.
pub(super) fn debit_alert(doc: &Doc) -> Result<Vec<Transaction>, String> {
    let value = |label: &str| {
        doc.value(label)
            .ok_or_else(|| format!("no {label:?} in the body"))
    };
    let currency = currency_from_name(value("Moneda")?).ok_or("unknown currency")?;
    let amount = parse_money(value("Monto")?, Some(currency)).map_err(|e| e.to_string())?;
    if amount.currency != currency {
        return Err("the amount and Moneda name different currencies".into());
    }
    let occurred_at = costa_rica_date_time(value("Fecha y hora")?, "date")?;
    let mut t = Transaction::new(Bank::Davibank, Kind::Purchase, amount, occurred_at);
    t.merchant = doc.value("Transacción realizada en").and_then(non_empty);
    t.city = doc.value("Ciudad").and_then(non_empty);
    t.country = doc.value("País").and_then(non_empty);
    t.card_last4 = doc
        .value("Número de la tarjeta")
        .and_then(masked_card_last4);
    t.authorization = doc.value("Número de autorización").and_then(non_empty);
    t.reference = doc.value("Número de referencia").and_then(non_empty);
    Ok(vec![t])
}

pub(super) fn card_alert(doc: &Doc) -> Result<Vec<Transaction>, String> {
    let text = doc.text();
    let s = text.as_str();
    let find = |needle: &str, from: usize| {
        find_folded(s, needle, from)
            .ok_or_else(|| format!("no {:?} in the sentence", needle.trim()))
    };

    let (_, m_start) = find("realizada en ", 0)?;
    let (m_end, date_at) = find(", el dia ", m_start)?;
    let merchant = non_empty(&s[m_start..m_end]);
    let bad_date = || "unreadable date after \"el día\"".to_owned();
    let (date, rest) = day_month_year(&s[date_at..]).ok_or_else(bad_date)?;
    let rest = rest.trim_start();
    let las = find_folded(rest, "a las ", 0)
        .filter(|&(start, _)| start == 0)
        .map(|(_, end)| end)
        .ok_or_else(bad_date)?;
    let (time, _) = clock(&rest[las..]).ok_or_else(bad_date)?;
    let pos = s.len() - rest.len() + las;

    let (_, card_at) = find("terminada en ", pos)?;
    let card = leading_digits(&s[card_at..]);
    let (_, auth_at) = find("autorizacion ", card_at)?;
    let authorization = leading_digits(&s[auth_at..]);
    let (_, ref_at) = find("referencia ", auth_at)?;
    let reference = leading_digits(&s[ref_at..]);
    let (_, amount_at) = find(" por ", ref_at)?;
    let (amount_end, status_at) = find(", fue ", amount_at)?;
    let amount = parse_money(&s[amount_at..amount_end], None).map_err(|e| e.to_string())?;

    let status: String = s[status_at..]
        .chars()
        .map(fold)
        .take_while(|c| c.is_alphabetic())
        .collect();
    let kind = match status.as_str() {
        "aprobada" => Kind::Purchase,
        "rechazada" | "denegada" | "declinada" | "negada" => Kind::Declined,
        _ => return Err("unknown status".into()),
    };
    if card.len() != 4 {
        return Err("the card ending is not four digits".into());
    }
    let mut t = Transaction::new(Bank::Davibank, kind, amount, costa_rica(date, time)?);
    t.merchant = merchant;
    t.card_last4 = Some(card.to_owned());
    t.authorization = non_empty(authorization);
    t.reference = non_empty(reference);
    Ok(vec![t])
}
