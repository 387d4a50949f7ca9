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

use super::super::amount::parse_money;
use super::super::doc::Doc;
use super::super::model::{Bank, Kind, Transaction};
use super::super::text::{find_folded, fold, leading_digits, non_empty};
use super::super::when::{clock, costa_rica, day_month_year};

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
        _ => return Err(format!("unknown status {status:?}")),
    };
    if card.len() != 4 {
        return Err(format!("card ending {card:?} is not four digits"));
    }
    let mut t = Transaction::new(Bank::Davibank, kind, amount, costa_rica(date, time)?);
    t.merchant = merchant;
    t.card_last4 = Some(card.to_owned());
    t.authorization = non_empty(authorization);
    t.reference = non_empty(reference);
    Ok(vec![t])
}
