//! BCR SINPE Móvil notices (`SINPEMOVIL - Notificación de transacción realizada`). The text
//! says whether money was `debitado` (out) or `acreditado` (in) and when:
//! `… realizada el 14/09/2025 a las 3:42 PM`. Labelled fields go with it:
//! `Número de referencia:`, `Nombre cliente Destino:` (money out) or `Nombre cliente origen:`
//! (money in), `Monto:` and `Motivo:` (older notices: `Nombre cliente Destino/origen:` and
//! `Referencia:`). SINPE Móvil moves colones only, so an amount without a currency is CRC.

use super::super::amount::parse_money;
use super::super::doc::Doc;
use super::super::model::{Bank, Currency, Kind, Transaction};
use super::super::text::{find_folded, non_empty};
use super::super::when::{clock, costa_rica, day_month_year};

pub(super) fn transfer(doc: &Doc) -> Result<Vec<Transaction>, String> {
    let text = doc.text();
    let out = find_folded(&text, "debitad", 0).is_some();
    let into = find_folded(&text, "acreditad", 0).is_some();
    let kind = match (out, into) {
        (true, false) => Kind::TransferOut,
        (false, true) => Kind::TransferIn,
        (true, true) => return Err("the text says both debitado and acreditado".into()),
        (false, false) => return Err("the text says neither debitado nor acreditado".into()),
    };
    let amount_text = doc.value("Monto").ok_or("no \"Monto\" in the body")?;
    let amount = parse_money(amount_text, Some(Currency::Crc)).map_err(|e| e.to_string())?;

    let (_, at) = find_folded(&text, "realizada el ", 0).ok_or("no \"realizada el\" date")?;
    let rest = &text[at..];
    let bad_date = || "unreadable date after \"realizada el\"".to_owned();
    let (date, rest) = day_month_year(rest).ok_or_else(bad_date)?;
    let rest = rest.trim_start();
    let (_, las) = find_folded(rest, "a las ", 0)
        .filter(|&(start, _)| start == 0)
        .ok_or_else(bad_date)?;
    let (time, _) = clock(&rest[las..]).ok_or_else(bad_date)?;

    let mut t = Transaction::new(Bank::Bcr, kind, amount, costa_rica(date, time)?);
    let party = match kind {
        Kind::TransferOut => "Nombre cliente Destino",
        _ => "Nombre cliente origen",
    };
    t.merchant = doc
        .value(party)
        .or_else(|| doc.value("Nombre cliente Destino/origen"))
        .and_then(non_empty);
    t.memo = doc.value("Motivo").and_then(non_empty);
    t.reference = doc
        .value("Número de referencia")
        .or_else(|| doc.value("Referencia"))
        .and_then(non_empty);
    Ok(vec![t])
}
