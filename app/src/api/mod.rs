//! Server functions, grouped by domain. Each one is a public endpoint under `/api/` and checks
//! the session itself (through the [`Backend`](crate::backend::Backend)).

pub mod accounts;
pub mod auth;

#[cfg(feature = "ssr")]
mod ssr {
    use http::HeaderValue;
    use http::header::SET_COOKIE;
    use http::request::Parts;
    use leptos::prelude::*;

    use crate::backend::SharedBackend;
    use crate::error::AppError;

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
