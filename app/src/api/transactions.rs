use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{FilingForm, FilingUndo, TransactionPage, TransactionQuery};

#[server(prefix = "/api", endpoint = "list_transactions")]
pub async fn list_transactions(
    query: TransactionQuery,
    filed: Option<FilingUndo>,
) -> Result<TransactionPage, AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        backend.list_transactions(&req, query, filed).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "transaction_filing")]
pub async fn transaction_filing(id: i32) -> Result<FilingForm, AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        backend.filing_form(&req, id).await
    })
    .await
}

/// `scope` is `merchant` (every transaction of the merchant, by a rule) or `one`.
#[server(prefix = "/api", endpoint = "file_transaction")]
pub async fn file_transaction(
    id: i32,
    category: String,
    scope: String,
    back: String,
) -> Result<(), AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        let merchant_wide = scope == "merchant";
        let next = backend
            .file_transaction(&req, id, category, merchant_wide, back)
            .await?;
        leptos_axum::redirect(&next);
        Ok(())
    })
    .await
}

/// Puts back what a change of category replaced (`was_rule`, `was_own`: category codes, or ""
/// for none).
#[server(prefix = "/api", endpoint = "undo_filing")]
pub async fn undo_filing(
    id: i32,
    scope: String,
    was_rule: String,
    was_own: String,
    back: String,
) -> Result<(), AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        let undo = FilingUndo {
            id,
            merchant_wide: scope == "merchant",
            was_rule,
            was_own,
            back,
        };
        let next = backend.undo_filing(&req, undo).await?;
        leptos_axum::redirect(&next);
        Ok(())
    })
    .await
}
