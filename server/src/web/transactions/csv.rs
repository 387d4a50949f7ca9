//! `/transactions.csv`: every row the page's filters match, machine-readable whatever the page
//! shows (a plain decimal point, ISO 8601 times with their offset), with its category.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use std::collections::HashMap;

use app::i18n::{Lang, Text};
use app::model::TransactionQuery;
use jiff::tz::TimeZone;

use super::super::AppState;
use super::super::format::{self, Reader};
use super::{filter, signed_amount};
use crate::sync::transactions::{Listed, shown_category};

/// `/transactions.csv?mailbox=&period=&…`: the page's filters, read the same way.
pub async fn csv(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let user = match state.sessions.current(&headers).await {
        Ok(Some((user, _))) => user,
        Ok(None) => {
            let lang = Lang::of_request(&headers);
            return (StatusCode::UNAUTHORIZED, lang.t(Text::SignInFirst)).into_response();
        }
        Err(error) => {
            tracing::error!(%error, "reading the session failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut query = TransactionQuery::from_params(|name| params.get(name).map(String::as_str));
    query.page = 1;
    let zone = format::user_zone(&user);
    let filter = filter(user.id, &query, state.syncs.clock().now(), &zone);
    let rows = match state.syncs.all_transactions(&filter).await {
        Ok(rows) => rows,
        Err(error) => {
            tracing::error!(%error, "reading transactions for CSV failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match to_csv(rows, &zone) {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"transactions.csv\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "writing the CSV failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn to_csv(rows: Vec<Listed>, zone: &TimeZone) -> Result<Vec<u8>, ::csv::Error> {
    // The same words in every language: programs read it.
    let words = Reader::new(Lang::En, zone.clone());
    let mut out = ::csv::Writer::from_writer(Vec::new());
    out.write_record([
        "date",
        "merchant",
        "city",
        "country",
        "amount",
        "currency",
        "card",
        "bank",
        "mailbox",
        "kind",
        "category",
        "authorization",
        "reference",
    ])?;
    for (row, rule) in rows {
        let amount = format::decimal(signed_amount(&row), &row.currency);
        let category = shown_category(&row, rule.as_ref());
        let text = |value: Option<String>| inert(value.unwrap_or_default());
        out.write_record([
            format::iso_date_time(row.occurred_at, zone),
            text(row.merchant),
            text(row.city),
            text(row.country),
            amount,
            row.currency.clone(),
            text(row.card_last4),
            format::bank(&row.bank),
            text(Some(row.mailbox)),
            words.kind(&row.kind).to_owned(),
            category.as_str().to_owned(),
            text(row.authorization),
            text(row.reference),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// Text from an e-mail, made inert for spreadsheets: a cell that starts like a formula
/// (`=`, `+`, `-`, `@`, tab, carriage return) gets a leading apostrophe.
fn inert(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn formulas_from_mail_stay_text_in_a_spreadsheet() {
        assert_eq!(inert("=HYPERLINK(\"x\")".into()), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("@SUM(A1)".into()), "'@SUM(A1)");
        assert_eq!(inert("AUTO MERCADO".into()), "AUTO MERCADO");
    }
}
