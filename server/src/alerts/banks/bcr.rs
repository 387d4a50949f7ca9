//! BCR card alerts (`Notificación de Transacciones BCR`): one table, one row per transaction,
//! seven cells each:
//!
//! ```text
//! Fecha               Autorización  No. Referencia  Monto      Moneda            Comercio         Estado
//! 05/12/2025 13:45:10 084512        533912345678    12,500.00  COLON COSTA RICA  MAS X MENOS ...  Aprobada
//! ```
//!
//! Columns are located by the header row when there is one (`No. Referencia` or
//! `No.Referencia`), else taken in this order. A row whose Estado is `Negada` is a declined
//! transaction; an approved one at a cash machine (Comercio `ATM …` or `… CAJERO …`) is a
//! withdrawal. The card appears once, as
//! `****-****-****-9282`. Any row that cannot be read makes the whole mail unparsed, so a mail
//! never yields half of its transactions.

use super::super::amount::{currency_from_name, parse_number, to_money};
use super::super::doc::Doc;
use super::super::model::{Bank, Kind, Transaction};
use super::super::text::{folded, label_key, non_empty};
use super::super::when::{clock, costa_rica, day_month_year};
use super::masked_card_last4;

/// Header labels, folded, in the default column order.
const COLUMNS: [&str; 7] = [
    "fecha",
    "autorizacion",
    "no. referencia",
    "monto",
    "moneda",
    "comercio",
    "estado",
];

pub(super) fn card_alert(doc: &Doc) -> Result<Vec<Transaction>, String> {
    let mut order: [usize; 7] = [0, 1, 2, 3, 4, 5, 6];
    let mut card = None;
    let mut out = Vec::new();
    for row in doc.rows() {
        if let Some(found) = header_order(row) {
            order = found;
            continue;
        }
        let first = row.get(order[0]).map_or("", String::as_str);
        if day_month_year(first).is_none() {
            if card.is_none() {
                card = row.iter().find_map(|c| masked_card_last4(c));
            }
            continue;
        }
        let n = out.len() + 1;
        if row.len() != COLUMNS.len() {
            return Err(format!("row {n} has {} cells, not 7", row.len()));
        }
        out.push(read_row(row, &order).map_err(|e| format!("row {n}: {e}"))?);
    }
    for t in &mut out {
        t.card_last4.clone_from(&card);
    }
    Ok(out)
}

/// The column positions when `row` is the header row.
fn header_order(row: &[String]) -> Option<[usize; 7]> {
    if row.len() != COLUMNS.len() {
        return None;
    }
    let squeeze = |s: &str| s.replace([' ', '.'], "");
    let keys: Vec<String> = row.iter().map(|c| squeeze(&label_key(c))).collect();
    let mut order = [0; 7];
    for (slot, name) in order.iter_mut().zip(COLUMNS) {
        let name = squeeze(name);
        *slot = keys
            .iter()
            .position(|k| *k == name || (name == "noreferencia" && k == "referencia"))?;
    }
    Some(order)
}

fn read_row(row: &[String], order: &[usize; 7]) -> Result<Transaction, String> {
    let cell = |i: usize| row.get(order[i]).map_or("", String::as_str);
    let when = cell(0);
    let bad_date = || "unreadable date".to_owned();
    let (date, rest) = day_month_year(when).ok_or_else(bad_date)?;
    let (time, _) = clock(rest.trim_start()).ok_or_else(bad_date)?;
    let currency = currency_from_name(cell(4)).ok_or("unknown currency")?;
    let amount = parse_number(cell(3))
        .and_then(|n| to_money(n, currency))
        .map_err(|e| e.to_string())?;
    let merchant = folded(cell(5));
    let at_a_cash_machine = merchant.starts_with("atm ") || merchant.contains("cajero");
    let kind = match folded(cell(6)).as_str() {
        "aprobada" | "aprobado" if at_a_cash_machine => Kind::Withdrawal,
        "aprobada" | "aprobado" => Kind::Purchase,
        "negada" | "negado" | "rechazada" | "denegada" => Kind::Declined,
        _ => return Err("unknown status".into()),
    };
    let mut t = Transaction::new(Bank::Bcr, kind, amount, costa_rica(date, time)?);
    t.authorization = non_empty(cell(1));
    t.reference = non_empty(cell(2));
    t.merchant = non_empty(cell(5));
    Ok(t)
}
