//! Changing a transaction's category from the page: the form, the change (for the transaction
//! alone or for every transaction of its merchant), the notice the list shows after it, and
//! undoing it. Each answer is where the browser goes next: back to the list with its filters.

use app::error::AppError;
use app::model::{FilingForm, FilingNotice, FilingUndo, TransactionQuery};
use jiff::tz::TimeZone;

use super::super::{format, internal};
use super::{category_choice, signed_amount};
use crate::categories::Category;
use crate::sync::Syncs;
use crate::sync::filing::{Before, FilingError, Scope};
use crate::sync::transactions::shown_category;

fn failed(error: FilingError) -> AppError {
    match error {
        FilingError::NotFound => AppError::NotFound,
        FilingError::NoMerchant => AppError::Invalid(
            "This transaction names no merchant, so only it can change category.".into(),
        ),
        FilingError::Database(e) => internal("changing a category failed", e),
    }
}

/// A category named by its code in a form; anything else is a clear error.
fn category(code: &str) -> Result<Category, AppError> {
    Category::from_code(code).ok_or_else(|| AppError::Invalid("Choose a category.".into()))
}

/// An optional category in an undo form: "" for none.
fn optional(code: &str) -> Result<Option<Category>, AppError> {
    if code.is_empty() {
        Ok(None)
    } else {
        category(code).map(Some)
    }
}

/// The list's filters carried through the forms (`mailbox=3&period=30&page=2`), read again so
/// nothing but filters goes back into the URL.
fn list_params(back: &str) -> String {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(back).unwrap_or_default();
    let query = TransactionQuery::from_params(|name| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    });
    query.list_params()
}

/// The form for the user's transaction `id`.
pub async fn form(
    syncs: &Syncs,
    user_id: i32,
    zone: &TimeZone,
    id: i32,
) -> Result<FilingForm, AppError> {
    let (row, rule) = syncs.filed_transaction(user_id, id).await.map_err(failed)?;
    let shown = shown_category(&row, rule.as_ref());
    Ok(FilingForm {
        id,
        when: format::date_time(row.occurred_at, zone),
        amount: format::money(signed_amount(&row), &row.currency),
        has_merchant: row
            .merchant_key
            .as_deref()
            .is_some_and(|key| !key.is_empty()),
        merchant: row.merchant.unwrap_or_else(|| "—".into()),
        category: shown.as_str().to_owned(),
        categories: Category::ALL.into_iter().map(category_choice).collect(),
    })
}

/// Files transaction `id` under `code`, for it alone or (`merchant_wide`) for its merchant;
/// answers the list to go back to, with the notice and its undo.
pub async fn file(
    syncs: &Syncs,
    user_id: i32,
    id: i32,
    code: &str,
    merchant_wide: bool,
    back: &str,
) -> Result<String, AppError> {
    let scope = if merchant_wide {
        Scope::Merchant
    } else {
        Scope::One
    };
    let before = syncs
        .file_under(user_id, id, category(code)?, scope)
        .await
        .map_err(failed)?;
    let code = |c: Option<Category>| c.map_or("", Category::as_str);
    let notice = serde_urlencoded::to_string([
        ("filed", id.to_string()),
        (
            "scope",
            if merchant_wide { "merchant" } else { "one" }.into(),
        ),
        ("was_rule", code(before.rule).into()),
        ("was_own", code(before.own).into()),
    ])
    .unwrap_or_default();
    Ok(format!("/transactions?{}&{notice}", list_params(back)))
}

/// Undoes a change: puts back the merchant's rule and the transaction's own choice as they
/// were; answers the list to go back to.
pub async fn undo(syncs: &Syncs, user_id: i32, undo: FilingUndo) -> Result<String, AppError> {
    let before = Before {
        rule: optional(&undo.was_rule)?,
        own: optional(&undo.was_own)?,
    };
    syncs
        .restore_filing(user_id, undo.id, before)
        .await
        .map_err(failed)?;
    Ok(format!("/transactions?{}", list_params(&undo.back)))
}

/// What the list says after a change, with the undo form's fields; `None` when the
/// transaction is not (or no longer) the user's.
pub async fn notice(
    syncs: &Syncs,
    user_id: i32,
    undo: FilingUndo,
) -> Result<Option<FilingNotice>, AppError> {
    let (row, rule) = match syncs.filed_transaction(user_id, undo.id).await {
        Ok(found) => found,
        Err(FilingError::NotFound) => return Ok(None),
        Err(error) => return Err(failed(error)),
    };
    let category = format::category(shown_category(&row, rule.as_ref()));
    let merchant = row.merchant.unwrap_or_else(|| "—".into());
    let text = if undo.merchant_wide {
        format!("Every transaction from {merchant} is now in {category}.")
    } else {
        format!("This transaction from {merchant} is now in {category}.")
    };
    Ok(Some(FilingNotice { text, undo }))
}
