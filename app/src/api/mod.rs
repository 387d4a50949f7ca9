//! Server functions, grouped by domain. Each one is a public endpoint under `/api/` and checks
//! the session itself (through the [`Backend`](crate::backend::Backend)).

pub mod account;
pub mod accounts;
pub mod auth;
pub mod language;
pub mod transactions;

#[cfg(feature = "ssr")]
mod ssr {
    use http::HeaderValue;
    use http::header::{ACCEPT, SET_COOKIE};
    use http::request::Parts;
    use leptos::prelude::*;

    use crate::backend::SharedBackend;
    use crate::error::AppError;

    /// Runs a server function's body and gives a failure the HTTP status it deserves (see
    /// [`AppError::status`]) instead of the framework's 500 for every error. Requests that
    /// accept HTML are left alone: a plain form post (no JavaScript) is redirected back to its
    /// page by leptos_axum, and a page rendered on the server keeps its own status.
    pub async fn answer<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
        let result = body.await;
        if let Err(error) = &result
            && !use_context::<Parts>().is_some_and(|parts| accepts_html(&parts))
            && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        {
            response.set_status(error.status());
        }
        result
    }

    fn accepts_html(parts: &Parts) -> bool {
        parts
            .headers
            .get(ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    }

    /// The backend and the request parts every server function works with.
    pub fn request() -> Result<(SharedBackend, Parts), AppError> {
        let backend = use_context::<SharedBackend>().ok_or(AppError::Internal)?;
        let parts = use_context::<Parts>().ok_or(AppError::Internal)?;
        Ok((backend, parts))
    }

    pub fn set_cookie(value: HeaderValue) {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.append_header(SET_COOKIE, value);
        }
    }
}
