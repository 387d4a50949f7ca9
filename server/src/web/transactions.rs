//! The Transactions page's data and its CSV download (`/transactions.csv`): the signed-in
//! user's own rows only, filtered by mailbox and period.

use app::error::AppError;
use std::collections::HashMap;

use app::model::{
    CurrencyTotal, MailService, MailboxOption, TRANSACTIONS_PER_PAGE, TransactionPage,
    TransactionQuery, TransactionRow, UnreadBankMail, UnreadMail,
};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use serde::Deserialize;

use super::AppState;
use super::format;
use super::internal;
use crate::alerts::Kind;
use crate::entities::transactions;
use crate::sync::Syncs;
use crate::sync::transactions::{Filter, UnreadAlert};

/// The amount as it counts for the user: a refund is money given back, so it carries a minus
/// sign on the page and in the CSV.
fn signed_amount(model: &transactions::Model) -> i64 {
    if Kind::from_code(&model.kind) == Some(Kind::Refund) {
        -model.amount_minor
    } else {
        model.amount_minor
    }
}

/// The unread alerts, one entry per bank, with the newest listed.
fn unread_by_bank(listed: Vec<UnreadAlert>, per_bank: Vec<(String, i64)>) -> Vec<UnreadBankMail> {
    per_bank
        .into_iter()
        .map(|(code, count)| UnreadBankMail {
            bank: format::bank(&code),
            count: count.max(0) as u64,
            mails: listed
                .iter()
                .filter(|alert| alert.bank == code)
                .map(|alert| UnreadMail {
                    when: format::date_time(alert.at),
                    subject: alert
                        .subject
                        .clone()
                        .unwrap_or_else(|| "(no subject)".into()),
                })
                .collect(),
        })
        .collect()
}

fn filter(user_id: i32, query: &TransactionQuery, now: i64) -> Filter {
    Filter {
        user_id,
        account_id: query.mailbox,
        since: query.period.days().map(|days| now - days * 24 * 60 * 60),
    }
}

fn row(model: transactions::Model, services: &HashMap<i32, MailService>) -> TransactionRow {
    let amount = format::money(signed_amount(&model), &model.currency);
    let mut merchant = model.merchant.unwrap_or_else(|| "—".into());
    for place in [model.city, model.country].into_iter().flatten() {
        merchant.push_str(", ");
        merchant.push_str(&place);
    }
    TransactionRow {
        when: format::date_time(model.occurred_at),
        merchant,
        amount,
        card: model.card_last4.map(|last4| format!("••{last4}")),
        bank: format::bank(&model.bank),
        service: services.get(&model.account_id).copied(),
        mailbox: model.mailbox,
        also_in: model
            .seen_in
            .map(|seen| seen.split(", ").map(str::to_owned).collect())
            .unwrap_or_default(),
        kind: format::kind(&model.kind).to_owned(),
        declined: model.kind == "declined",
    }
}

/// One page of the user's transactions, with totals and the mailboxes to filter by.
pub async fn page(
    syncs: &Syncs,
    user_id: i32,
    accounts: Vec<(i32, String, MailService)>,
    mut query: TransactionQuery,
) -> Result<TransactionPage, AppError> {
    let fail = |e| internal("reading transactions failed", e);
    query.page = query.page.max(1);
    let filter = filter(user_id, &query, syncs.clock().now());
    let (rows, total_rows) = syncs
        .transactions(&filter, u64::from(query.page), TRANSACTIONS_PER_PAGE)
        .await
        .map_err(fail)?;
    let totals = syncs
        .spending(&filter)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|(currency, minor)| CurrencyTotal {
            amount: format::money(minor, &currency),
            currency,
        })
        .collect();
    // Connected mailboxes, and disconnected ones that still have transactions.
    let services: HashMap<i32, MailService> = accounts
        .iter()
        .map(|&(id, _, service)| (id, service))
        .collect();
    let mut mailboxes: Vec<MailboxOption> = accounts
        .into_iter()
        .map(|(id, email, _)| MailboxOption { id, email })
        .collect();
    for (id, email) in syncs
        .mailboxes_with_transactions(user_id)
        .await
        .map_err(fail)?
    {
        if !mailboxes.iter().any(|m| m.id == id) {
            mailboxes.push(MailboxOption { id, email });
        }
    }
    let (listed, per_bank) = syncs.unread_alerts(&filter).await.map_err(fail)?;
    let pages = total_rows.div_ceil(TRANSACTIONS_PER_PAGE).max(1) as u32;
    Ok(TransactionPage {
        query,
        rows: rows.into_iter().map(|r| row(r, &services)).collect(),
        total_rows,
        pages,
        totals,
        mailboxes,
        unread: unread_by_bank(listed, per_bank),
    })
}

/// `/transactions.csv?mailbox=&period=`.
#[derive(Debug, Deserialize)]
pub struct CsvQuery {
    mailbox: Option<String>,
    period: Option<String>,
}

pub async fn csv(
    State(state): State<AppState>,
    Query(params): Query<CsvQuery>,
    headers: HeaderMap,
) -> Response {
    let user = match state.sessions.current(&headers).await {
        Ok(Some((user, _))) => user,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "Sign in first.").into_response(),
        Err(error) => {
            tracing::error!(%error, "reading the session failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    // The same reading of the filters as the page's.
    let query =
        TransactionQuery::from_params(params.mailbox.as_deref(), params.period.as_deref(), None);
    let filter = filter(user.id, &query, state.syncs.clock().now());
    let rows = match state.syncs.all_transactions(&filter).await {
        Ok(rows) => rows,
        Err(error) => {
            tracing::error!(%error, "reading transactions for CSV failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match to_csv(rows) {
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

fn to_csv(rows: Vec<transactions::Model>) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
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
        "authorization",
        "reference",
    ])?;
    for row in rows {
        let amount = format::decimal(signed_amount(&row), &row.currency);
        let text = |value: Option<String>| inert(value.unwrap_or_default());
        out.write_record([
            format::iso_date_time(row.occurred_at),
            text(row.merchant),
            text(row.city),
            text(row.country),
            amount,
            row.currency.clone(),
            text(row.card_last4),
            format::bank(&row.bank),
            text(Some(row.mailbox)),
            format::kind(&row.kind).to_owned(),
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
