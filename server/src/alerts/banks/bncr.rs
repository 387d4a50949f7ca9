//! Banco Nacional's `Voucher Digital` (from `bncontacto@bncr.fi.cr`): a sentence, then the
//! voucher itself:
//!
//! ```text
//! … el comprobante de COMPRA realizada en SUPER LA CANASTA SAN JOSE CR el 15 de Septiembre de
//! 2026 a las 06:30
//! SUPER LA CANASTA SAN JOSE CR
//! Sep 15, 2026 - 06:30 VISA ************1234 NRO. AUT: 964732 REF: 625812522165 TOTAL: USD 79.96
//! ```
//!
//! Amounts may carry a decimal comma and no thousands separator (`TOTAL: CRC 6476,00`). The
//! same sender sends promotions; those have another subject.

use super::super::amount::parse_money;
use super::super::doc::Doc;
use super::super::model::{Bank, Kind, Transaction};
use super::super::text::{find_folded, folded, leading_digits, non_empty};
use super::super::when::costa_rica_date_time;
use super::masked_card_last4;

pub(super) fn voucher(doc: &Doc) -> Result<Vec<Transaction>, String> {
    let text = doc.text();
    let s = text.as_str();
    let (_, kind_at) = find_folded(s, "comprobante de ", 0).ok_or("no \"comprobante de\"")?;
    let kind_word = folded(s[kind_at..].split_whitespace().next().unwrap_or_default());
    let kind = match kind_word.as_str() {
        "compra" => Kind::Purchase,
        "retiro" => Kind::Withdrawal,
        _ => return Err("unknown transaction type".into()),
    };
    let (_, m_start) = find_folded(s, "realizada en ", kind_at).ok_or("no merchant")?;
    // The merchant ends at " el " followed by the day (a merchant may hold " EL " itself).
    let mut from = m_start;
    let (m_end, date_at) = loop {
        let (end, next) = find_folded(s, " el ", from).ok_or("no date")?;
        if s[next..].starts_with(|c: char| c.is_ascii_digit()) {
            break (end, next);
        }
        from = next;
    };
    let occurred_at = costa_rica_date_time(&s[date_at..], "date")?;
    let (_, total_at) = find_folded(s, "total:", date_at).ok_or("no \"TOTAL\"")?;
    let mut words = s[total_at..].split_whitespace();
    let total = [words.next(), words.next()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    let amount = parse_money(&total.join(" "), None).map_err(|e| e.to_string())?;
    let mut t = Transaction::new(Bank::Bncr, kind, amount, occurred_at);
    t.merchant = non_empty(&s[m_start..m_end]);
    t.card_last4 = masked_card_last4(&s[date_at..]);
    t.authorization = digits_after(s, "aut:", date_at);
    t.reference = digits_after(s, "ref:", date_at);
    Ok(vec![t])
}

fn digits_after(s: &str, label: &str, from: usize) -> Option<String> {
    let (_, at) = find_folded(s, label, from)?;
    non_empty(leading_digits(s[at..].trim_start()))
}
