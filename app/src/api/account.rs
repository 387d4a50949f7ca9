use leptos::prelude::*;

use crate::error::AppError;
use crate::model::AccountOverview;

#[server(prefix = "/api", endpoint = "account_overview")]
pub async fn get_account_overview() -> Result<AccountOverview, AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        backend.account_overview(&req).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        backend
            .change_password(&req, current_password, new_password)
            .await
    })
    .await
}

#[server(prefix = "/api", endpoint = "delete_account")]
pub async fn delete_account(password: String) -> Result<(), AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        let cookie = backend.delete_account(&req, password).await?;
        super::ssr::set_cookie(cookie);
        leptos_axum::redirect("/signup");
        Ok(())
    })
    .await
}

/// Sets the zone the user's times are shown in, from the account page's plain form; back to
/// the account page, which says so.
#[server(prefix = "/api", endpoint = "set_time_zone")]
pub async fn set_time_zone(time_zone: String) -> Result<(), AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        backend.set_time_zone(&req, time_zone, false).await?;
        leptos_axum::redirect("/account?time_zone=saved");
        Ok(())
    })
    .await
}

/// The browser's own time zone, for a user who has chosen none; answers whether the times
/// shown change (the page is then read again).
#[server(prefix = "/api", endpoint = "browser_time_zone")]
pub async fn browser_time_zone(time_zone: String) -> Result<bool, AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        backend.set_time_zone(&req, time_zone, true).await
    })
    .await
}
