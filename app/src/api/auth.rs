use leptos::prelude::*;

use crate::error::AppError;
use crate::model::CurrentUser;

#[server(prefix = "/api", endpoint = "sign_up")]
pub async fn sign_up(email: String, password: String) -> Result<(), AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        let cookie = backend.sign_up(&req, email, password).await?;
        super::ssr::set_cookie(cookie);
        leptos_axum::redirect("/connections");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        for cookie in backend.sign_in(&req, email, password).await? {
            super::ssr::set_cookie(cookie);
        }
        leptos_axum::redirect("/connections");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        let cookie = backend.sign_out(&req).await?;
        super::ssr::set_cookie(cookie);
        leptos_axum::redirect("/signin");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "signed_in_user")]
pub async fn signed_in_user() -> Result<Option<CurrentUser>, AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        backend.current_user(&req).await
    })
    .await
}
