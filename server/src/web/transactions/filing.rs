//! Changing a transaction's category from the page: the form, the change (for the transaction
//! alone or for every transaction of its merchant), the notice the list shows after it, and
//! undoing it. Each answer is where the browser goes next: back to the list with its filters.

use app::error::AppError;
use app::i18n::{Lang, Text};
use app::model::{FilingForm, FilingNotice, FilingUndo, TransactionQuery};

use super::super::format::Reader;
use super::super::internal;
use super::{category_choice, signed_amount};
use crate::categories::Category;
use crate::sync::Syncs;
use crate::sync::filing::{Before, FilingError, Scope};
use crate::sync::transactions::shown_category;

fn failed(error: FilingError, lang: Lang) -> AppError {
    match error {
        FilingError::NotFound => AppError::NotFound,
        FilingError::NoMerchant => AppError::invalid(lang.t(Text::NoMerchantToFile)),
        FilingError::Database(e) => internal("changing a category failed", e),
    }
}

/// A category named by its code in a form; anything else is a clear error.
fn category(code: &str, lang: Lang) -> Result<Category, AppError> {
    Category::from_code(code).ok_or_else(|| AppError::invalid(lang.t(Text::ChooseACategory)))
}

/// An optional category in an undo form: "" for none.
fn optional(code: &str, lang: Lang) -> Result<Option<Category>, AppError> {
    if code.is_empty() {
        Ok(None)
    } else {
        category(code, lang).map(Some)
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
    reader: &Reader,
    id: i32,
) -> Result<FilingForm, AppError> {
    let (row, rule) = syncs
        .filed_transaction(user_id, id)
        .await
        .map_err(|e| failed(e, reader.lang))?;
    let shown = shown_category(&row, rule.as_ref());
    Ok(FilingForm {
        id,
        when: reader.date_time(row.occurred_at),
        amount: reader.money(signed_amount(&row), &row.currency),
        has_merchant: row
            .merchant_key
            .as_deref()
            .is_some_and(|key| !key.is_empty()),
        merchant: row.merchant.unwrap_or_else(|| "—".into()),
        category: shown.as_str().to_owned(),
        categories: Category::ALL
            .into_iter()
            .map(|category| category_choice(category, reader))
            .collect(),
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
    lang: Lang,
) -> Result<String, AppError> {
    let scope = if merchant_wide {
        Scope::Merchant
    } else {
        Scope::One
    };
    let before = syncs
        .file_under(user_id, id, category(code, lang)?, scope)
        .await
        .map_err(|e| failed(e, lang))?;
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
pub async fn undo(
    syncs: &Syncs,
    user_id: i32,
    undo: FilingUndo,
    lang: Lang,
) -> Result<String, AppError> {
    let before = Before {
        rule: optional(&undo.was_rule, lang)?,
        own: optional(&undo.was_own, lang)?,
    };
    syncs
        .restore_filing(user_id, undo.id, before)
        .await
        .map_err(|e| failed(e, lang))?;
    Ok(format!("/transactions?{}", list_params(&undo.back)))
}

/// What the list says after a change, with the undo form's fields; `None` when the
/// transaction is not (or no longer) the user's.
pub async fn notice(
    syncs: &Syncs,
    user_id: i32,
    undo: FilingUndo,
    reader: &Reader,
) -> Result<Option<FilingNotice>, AppError> {
    let (row, rule) = match syncs.filed_transaction(user_id, undo.id).await {
        Ok(found) => found,
        Err(FilingError::NotFound) => return Ok(None),
        Err(error) => return Err(failed(error, reader.lang)),
    };
    let category = reader.category(shown_category(&row, rule.as_ref()));
    let merchant = row.merchant.unwrap_or_else(|| "—".into());
    let text = reader.lang.filed(undo.merchant_wide, &merchant, category);
    Ok(Some(FilingNotice { text, undo }))
}
