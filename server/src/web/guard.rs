//! The page guard: pages for signed-in users send everyone else to `/signin`, and the sign-in
//! pages send a signed-in user on to their connections. Server functions check the session
//! themselves.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;

use crate::identity::Sessions;

pub async fn page_guard(
    State(sessions): State<Arc<Sessions>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let members_only = matches!(
        path,
        "/" | "/connections"
            | "/connections/disconnect"
            | "/transactions"
            | "/transactions/category"
            | "/account"
    );
    let guests_only = matches!(path, "/signin" | "/signup");
    if request.method() != http::Method::GET || !(members_only || guests_only) {
        return next.run(request).await;
    }
    let signed_in = match sessions.current(request.headers()).await {
        Ok(found) => found.is_some(),
        Err(error) => {
            tracing::error!(%error, "reading the session failed");
            let lang = app::i18n::Lang::of_request(request.headers());
            let text = lang.t(app::i18n::Text::DatabaseUnavailable);
            return (StatusCode::SERVICE_UNAVAILABLE, text).into_response();
        }
    };
    match (signed_in, members_only) {
        (false, true) => Redirect::to("/signin").into_response(),
        (true, _) if path == "/" || guests_only => Redirect::to("/connections").into_response(),
        _ => next.run(request).await,
    }
}
