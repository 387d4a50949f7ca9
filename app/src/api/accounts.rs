use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{AccountView, MailService};

#[server(prefix = "/api", endpoint = "list_accounts")]
pub async fn list_accounts() -> Result<Vec<AccountView>, AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        backend.list_accounts(&req).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "mail_services")]
pub async fn mail_services() -> Result<Vec<MailService>, AppError> {
    super::ssr::answer(async {
        let (backend, _) = super::ssr::request()?;
        Ok(backend.mail_services())
    })
    .await
}

#[server(prefix = "/api", endpoint = "disconnect_account")]
pub async fn disconnect_account(account_id: i32) -> Result<String, AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        let outcome = backend.disconnect_account(&req, account_id).await?;
        Ok(crate::i18n::Lang::current().disconnected_notice(outcome))
    })
    .await
}

/// Disconnects from the plain form of `/connections/disconnect`, then back to the list, which
/// says what happened.
#[server(prefix = "/api", endpoint = "confirm_disconnect")]
pub async fn confirm_disconnect(account_id: i32) -> Result<(), AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        let outcome = backend.disconnect_account(&req, account_id).await?;
        leptos_axum::redirect(&format!("/connections?disconnected={}", outcome.code()));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "sync_now")]
pub async fn sync_now(account_id: i32) -> Result<(), AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        backend.sync_now(&req, account_id).await
    })
    .await
}
